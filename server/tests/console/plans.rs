//! Planning runs from a block's page: a schedule from the generated form, a
//! webhook trigger subscribed (its ingress URL shown, its secret once) and a
//! polling one; each deleted from the triggers or schedules page.

use crate::support::{Console, value_of};

#[tokio::test]
async fn a_schedule_is_made_from_a_block_page_with_problems_at_their_fields() {
    let console = Console::start("plan-schedule").await;
    let mut browser = console.signed_in().await;
    let page = browser.get("/blocks/CalculatorBlock").await.body;
    assert!(page.contains("action=\"/blocks/CalculatorBlock/schedule\""), "the page has a schedule form");
    assert!(
        page.contains("id=\"plan-input-a\""),
        "its input is generated from the schema, apart from the try-it form's"
    );
    assert!(page.contains("id=\"field-a\""));
    let csrf = browser.csrf().await;

    let bad = browser
        .post("/blocks/CalculatorBlock/schedule", &[("csrf", &csrf), ("cron", "every day"), ("input.b", "2")])
        .await;
    assert_eq!(bad.status, 422);
    let at_a = value_of(&bad.body, "id=\"plan-input-a-error\" role=\"alert\">").expect("a's error slot");
    assert!(at_a.contains("Enter a value."), "the missing field is named at its place: {at_a}");
    assert!(bad.body.contains("<details class=\"card plan\" id=\"schedule\" open>"), "the refused form is open");
    assert!(bad.body.contains("value=\"every day\""), "what was sent is kept");

    let cron = browser
        .post(
            "/blocks/CalculatorBlock/schedule",
            &[("csrf", &csrf), ("cron", "every day"), ("input.a", "1"), ("input.b", "2")],
        )
        .await;
    assert_eq!(cron.status, 422);
    let at_cron = cron.body.split("id=\"plan-cron-error\"").nth(1).expect("the pattern's error slot");
    assert!(at_cron.starts_with(" role=\"alert\"><span>"), "the pattern's problem is at its field: {at_cron:.200}");

    let made = browser
        .post(
            "/blocks/CalculatorBlock/schedule",
            &[
                ("csrf", &csrf),
                ("name", "Sum at nine"),
                ("cron", "0 9 * * *"),
                ("timezone", "Europe/Paris"),
                ("missed", "run_once"),
                ("input.operation", "add"),
                ("input.a", "1"),
                ("input.b", "2"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    assert!(made.location.as_deref().is_some_and(|to| to.starts_with("/schedules?created=Sum")));
    let list = browser.get("/schedules").await.body;
    assert!(list.contains("Sum at nine") && list.contains("<code>0 9 * * *</code> (Europe/Paris)"), "{list}");
    let schedules = block_server::services::schedules::list(
        console.state.storage().as_ref(),
        console.state.registry(),
        &console.user_id,
    )
    .await
    .expect("the schedules");
    assert_eq!(schedules[0].schedule.input, serde_json::json!({"operation": "add", "a": 1, "b": 2}));

    let forged = browser.post("/blocks/CalculatorBlock/schedule", &[("cron", "0 9 * * *")]).await;
    assert_eq!(forged.status, 403, "a form without the session's value is refused");
}

#[tokio::test]
async fn a_trigger_is_subscribed_from_its_page_and_shows_its_ingress_url() {
    let console = Console::start("plan-trigger").await;
    let mut browser = console.signed_in().await;
    let page = browser.get("/blocks/ExampleTriggerBlock").await.body;
    assert!(page.contains("action=\"/blocks/ExampleTriggerBlock/subscribe\""), "{page}");
    assert!(!page.contains("data-run"), "a trigger has no try-it form");
    assert!(!page.contains("name=\"input.payload\""), "the payload is the delivery's");
    let csrf = browser.csrf().await;
    assert_eq!(browser.post("/blocks/ExampleTriggerBlock/subscribe", &[]).await.status, 403);

    let made = browser.post("/blocks/ExampleTriggerBlock/subscribe", &[("csrf", &csrf)]).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let ingress = value_of(&made.body, "<code class=\"url\" data-new-ingress>").expect("the ingress URL");
    let ingress = ingress.split('<').next().expect("the URL").to_owned();
    assert!(ingress.starts_with(&format!("{}/api/integrations/example/webhooks/", console.url)), "{ingress}");
    let secret = value_of(&made.body, "id=\"new-secret\" type=\"text\" readonly value=\"").expect("the secret, once");
    assert!(!secret.is_empty());

    let list = browser.get("/triggers").await.body;
    assert!(list.contains(&format!("<code class=\"url\">{ingress}</code>")), "{list}");
    assert!(!list.contains(&secret), "the secret is shown only once");
    let unsubscribe = value_of(&list, "action=\"/triggers/").expect("an unsubscribe form");
    let gone = browser.post(&format!("/triggers/{unsubscribe}"), &[("csrf", &csrf)]).await;
    assert_eq!(gone.status, 303);
    let after = browser.get("/triggers").await.body;
    assert!(after.contains("No webhooks yet."), "the last trigger took its webhook: {after}");

    browser.post("/blocks/ExampleTriggerBlock/subscribe", &[("csrf", &csrf)]).await;
    let list = browser.get("/triggers").await.body;
    let webhook = value_of(&list, "action=\"/webhooks/").expect("a delete-webhook form");
    assert_eq!(browser.post(&format!("/webhooks/{webhook}"), &[]).await.status, 403);
    let gone = browser.post(&format!("/webhooks/{webhook}"), &[("csrf", &csrf)]).await;
    assert_eq!(gone.status, 303);
    assert!(browser.get("/triggers?deleted=webhook").await.body.contains("No webhooks yet."));
    assert_eq!(browser.post(&format!("/webhooks/{webhook}"), &[("csrf", &csrf)]).await.status, 404);
}

#[tokio::test]
async fn a_polling_trigger_is_subscribed_with_its_input_checked_and_deleted() {
    let console = Console::start("plan-poll").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let missing = browser.post("/blocks/RssFeedTriggerBlock/subscribe", &[("csrf", &csrf)]).await;
    assert_eq!(missing.status, 422);
    let at_url = value_of(&missing.body, "id=\"plan-input-url-error\" role=\"alert\">").expect("the url's slot");
    assert!(at_url.contains("Enter a value."), "{at_url}");

    let made = browser
        .post("/blocks/RssFeedTriggerBlock/subscribe", &[("csrf", &csrf), ("input.url", "https://feeds.invalid/a.xml")])
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let list = browser.get("/triggers?polling=1").await.body;
    assert!(list.contains("Subscribed the polling trigger"));
    assert!(list.contains("href=\"/blocks/RssFeedTriggerBlock\">RssFeedTriggerBlock</a>"), "{list}");
    let delete = value_of(&list, "action=\"/polls/").expect("a delete form");
    assert_eq!(browser.post(&format!("/polls/{delete}"), &[("csrf", &csrf)]).await.status, 303);
    assert!(browser.get("/triggers").await.body.contains("No polling triggers yet."));
}

#[tokio::test]
async fn a_trigger_form_asks_for_what_its_provider_needs_and_never_echoes_a_secret() {
    let console = Console::start("plan-kinds").await;
    let mut browser = console.signed_in().await;
    let github = browser.get("/blocks/GithubIssuesTriggerBlock").await.body;
    assert!(github.contains("name=\"resource\""), "a webhook registered at the provider asks what it watches");
    let example = browser.get("/blocks/ExampleTriggerBlock").await.body;
    assert!(!example.contains("name=\"resource\"") && !example.contains("name=\"webhook_secret\""));
    let stripe = browser.get("/blocks/StripePaymentIntentTriggerBlock").await.body;
    assert!(stripe.contains("name=\"webhook_secret\" type=\"password\""), "the provider's own secret is asked for");
    assert!(
        stripe.contains("<input type=\"checkbox\" id=\"plan-input-events-succeeded\" name=\"input.events.succeeded\""),
        "an event filter is a checkbox per event"
    );

    let csrf = browser.csrf().await;
    let path = "/blocks/StripePaymentIntentTriggerBlock/subscribe";
    let none = browser.post(path, &[("csrf", &csrf), ("input.events.succeeded", "false")]).await;
    assert_eq!(none.status, 422);
    assert!(none.body.contains("choose at least one event"), "{}", none.body);
    let made = browser
        .post(
            path,
            &[
                ("csrf", &csrf),
                ("input.events.succeeded", "false"),
                ("input.events.succeeded", "true"),
                ("webhook_secret", "whsec_not_shown"),
            ],
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert!(!made.body.contains("whsec_not_shown"), "a secret the provider issued is never shown");
    assert!(!made.body.contains("id=\"new-secret\""));
    let list = browser.get("/triggers").await.body;
    assert!(list.contains("<dt>Secret</dt><dd><span class=\"status active\">set</span>"), "{list}");
    assert!(list.contains("on payment_intent.succeeded</span>"), "the checked event is the one subscribed: {list}");
}
