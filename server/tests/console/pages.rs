//! The pages: what users typed is shown as text, secrets are never shown, and
//! each page acts on the signed-in user's data.

use crate::support::{Console, value_of};

const HOSTILE: &str = "<script>alert(\"x\")</script>'&";

fn escaped() -> String {
    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;".to_owned()
}

#[tokio::test]
async fn a_hostile_credentials_title_is_shown_as_text_and_the_secret_never() {
    let console = Console::start("hostile-title").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("provider", "example"),
        ("type", "api_key"),
        ("title", HOSTILE),
        ("api_key", "ex-secret-value"),
    ];
    let added = browser.post("/credentials", &fields).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let list = browser.get(added.location.as_deref().expect("back to the list")).await.body;
    assert!(!list.contains("<script>alert"), "{list}");
    assert!(list.contains(&escaped()), "{list}");
    assert!(!list.contains("ex-secret-value"));

    let form = browser.get("/blocks/ExampleBlock").await.body;
    assert!(!form.contains("<script>alert"));
    assert!(form.contains(&format!("{} (api_key)</option>", escaped())), "the picker offers them");
    let catalogue = browser.get("/").await.body;
    assert!(catalogue.contains("credentials stored"), "the catalogue says the provider has credentials");
}

#[tokio::test]
async fn a_hostile_block_input_is_shown_as_text_on_the_run_page() {
    let console = Console::start("hostile-input").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let fields = [("csrf", csrf.as_str()), ("input.input", HOSTILE), ("input.delimiter", HOSTILE)];
    let answer = browser.post("/blocks/CombineTextsBlock/run", &fields).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let page = browser.get(answer.location.as_deref().expect("a run")).await.body;
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(page.contains("&lt;script&gt;"), "{page}");
    let form = browser.post("/blocks/CalculatorBlock/run", &[("csrf", csrf.as_str()), ("input.a", HOSTILE)]).await;
    assert_eq!(form.status, 422);
    assert!(!form.body.contains("<script>alert"), "a value sent back in the form is escaped");
}

#[tokio::test]
async fn credentials_of_each_kind_are_added_and_deleted_saying_what_was_revoked() {
    let console = Console::start("credentials").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let page = browser.get("/credentials?provider=example").await.body;
    assert!(page.contains("Add API key"));
    let bad = browser
        .post(
            "/credentials",
            &[
                ("csrf", &csrf),
                ("provider", "example"),
                ("type", "user_password"),
                ("username", "u"),
                ("password", "p"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("does not take user_password credentials"), "{}", bad.body);
    let added = browser
        .post(
            "/credentials",
            &[("csrf", &csrf), ("provider", "example"), ("type", "api_key"), ("title", "Mine"), ("api_key", "k")],
        )
        .await;
    assert_eq!(added.status, 303);
    let list = browser.get("/credentials").await.body;
    let action = value_of(&list, "action=\"/credentials/example/").expect("a delete form");
    let deleted = browser.post(&format!("/credentials/example/{action}"), &[("csrf", &csrf)]).await;
    assert_eq!(deleted.status, 303);
    let after = browser.get(deleted.location.as_deref().expect("back")).await.body;
    assert!(after.contains("Deleted “Mine”: nothing to revoke at the provider; 0 webhook(s)"), "{after}");
    assert!(after.contains("No credentials yet."));
}

#[tokio::test]
async fn a_new_key_is_shown_once_and_can_be_revoked() {
    let console = Console::start("keys").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let none = browser.post("/keys", &[("csrf", &csrf), ("name", "none")]).await;
    assert_eq!(none.status, 422);
    assert!(none.body.contains("at least one scope"));
    let created = browser
        .post("/keys", &[("csrf", &csrf), ("name", "reader"), ("scope", "READ_BLOCK"), ("scope", "READ_RUN")])
        .await;
    assert_eq!(created.status, 201);
    let key = value_of(&created.body, "readonly value=\"").expect("the key is shown");
    assert!(key.starts_with("blk_"));
    let again = browser.get("/keys").await.body;
    assert!(!again.contains(&key), "the key is shown only once");
    assert!(again.contains("READ_BLOCK, READ_RUN"));
    let row = again.split("<tr>").find(|row| row.contains("reader")).expect("the new key's row");
    let revoke = value_of(row, "action=\"").expect("its revoke form");
    assert_eq!(browser.post(&revoke, &[("csrf", &csrf)]).await.status, 303);
    let listed = browser.get("/keys").await.body;
    let row = listed.split("<tr>").find(|row| row.contains("reader")).expect("still listed");
    assert!(row.contains("status revoked"), "{row}");
}

#[tokio::test]
async fn runs_are_listed_filtered_and_fed_to_the_live_list() {
    let console = Console::start("runs").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let stream = [("accept", "text/event-stream")];
    browser
        .post_with(
            "/blocks/CalculatorBlock/run",
            &[("csrf", &csrf), ("input.a", "1"), ("input.b", "0"), ("input.operation", "divide")],
            &stream,
        )
        .await;
    browser
        .post_with("/blocks/CalculatorBlock/run", &[("csrf", &csrf), ("input.a", "1"), ("input.b", "1")], &stream)
        .await;
    let all = browser.get("/runs").await.body;
    assert!(all.contains("<span data-count>2</span> run(s) match."), "{all}");
    let failed = browser.get("/runs?status=failed").await.body;
    assert!(failed.contains("<span data-count>1</span> run(s) match."), "{failed}");
    assert!(failed.contains("data-feed=\"/runs/feed?status=failed\""));
    let feed = browser.get("/runs/feed?status=failed").await;
    assert_eq!(feed.status, 200);
    assert_eq!(feed.body.matches("<tr>").count(), 1);
    assert_eq!(feed.total.as_deref(), Some("1"), "the feed says how many runs match");
    let run = value_of(&feed.body, "href=\"/runs/").expect("a link");
    let page = browser.get(&format!("/runs/{run}")).await.body;
    assert!(page.contains("division by zero") || page.contains("zero"), "the error is shown: {page}");
    let unknown = browser.get("/runs?status=sleeping").await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("There is no run status “sleeping”."));
    assert_eq!(browser.get("/runs/00000000-0000-7000-8000-000000000000").await.status, 404);
}

#[tokio::test]
async fn schedules_are_created_with_problems_at_their_fields_and_deleted() {
    let console = Console::start("schedules").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let bad = browser
        .post(
            "/schedules",
            &[("csrf", &csrf), ("block", "CalculatorBlock"), ("cron", "every day"), ("input", "{\"a\": 1}")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("/input"), "the missing input field is named: {}", bad.body);
    let made = browser
        .post(
            "/schedules",
            &[
                ("csrf", &csrf),
                ("block", "CalculatorBlock"),
                ("cron", "0 9 * * 1"),
                ("input", "{\"a\": 1, \"b\": 2}"),
                ("name", "Mondays"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let list = browser.get("/schedules").await.body;
    assert!(list.contains("Mondays") && list.contains("<code>0 9 * * 1</code>"), "{list}");
    let delete = value_of(&list, "action=\"/schedules/").expect("a delete form");
    let gone = browser.post(&format!("/schedules/{delete}"), &[("csrf", &csrf)]).await;
    assert_eq!(gone.status, 303);
    assert!(browser.get("/schedules").await.body.contains("No schedules yet."));
}

#[tokio::test]
async fn the_catalogue_searches_names_and_descriptions() {
    let console = Console::start("catalogue").await;
    let mut browser = console.signed_in().await;
    let page = browser.get("/?q=remainder").await.body;
    assert!(page.contains("href=\"/blocks/CalculatorBlock\""), "found by its description");
    assert!(!page.contains("href=\"/blocks/ListIteratorBlock\""));
    let none = browser.get("/?q=nothing-matches-this").await.body;
    assert!(none.contains("id=\"no-blocks\" role=\"status\">No block matches."), "the empty result says so");
    let credits = browser.get("/credits").await.body;
    assert!(credits.contains("<strong>1000</strong> credits"), "{credits}");
    assert_eq!(browser.get("/blocks/NoSuchBlock").await.status, 404);
    let css = browser.get("/assets/console.css").await;
    assert!(css.content_type.starts_with("text/css"));
}

#[tokio::test]
async fn a_trigger_shows_the_ingress_url_its_provider_posts_to() {
    let console = Console::start("triggers").await;
    let mut browser = console.signed_in().await;
    assert!(browser.get("/triggers").await.body.contains("No webhooks yet."));
    let _ = rustls::crypto::ring::default_provider().install_default();
    let created = reqwest::Client::new()
        .post(format!("{}/external-api/v1/triggers", console.url))
        .header("x-api-key", &console.key)
        .header("content-type", "application/json")
        .body(r#"{"block_id": "ExampleTriggerBlock"}"#)
        .send()
        .await
        .expect("the API answers");
    assert_eq!(created.status(), 201);
    let subscription: serde_json::Value = serde_json::from_str(&created.text().await.expect("a body")).expect("json");
    let ingress = subscription["ingress_url"].as_str().expect("an ingress URL");
    let page = browser.get("/triggers").await.body;
    assert!(page.contains(&format!("<code class=\"url\">{ingress}</code>")), "{page}");
    assert!(page.contains("ExampleTriggerBlock"));
}

#[tokio::test]
async fn a_graph_trigger_shows_the_agent_it_starts() {
    let console = Console::start("graph-triggers").await;
    let mut browser = console.signed_in().await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let api = |path: String, body: serde_json::Value| {
        let (url, key) = (console.url.clone(), console.key.clone());
        async move {
            let answer = reqwest::Client::new()
                .post(format!("{url}{path}"))
                .header("x-api-key", key)
                .json(&body)
                .send()
                .await
                .expect("the API answers");
            (answer.status().as_u16(), answer.json::<serde_json::Value>().await.expect("json"))
        }
    };
    let graph = serde_json::json!({"name": "On example events", "nodes": [
        {"id": "hook", "block_id": "0c0a7e5e-5b0e-4c5b-9b58-2f1f7c9d1e3a", "input_default": {}, "metadata": {}},
        {"id": "out", "block_id": "bce1541f-d88b-4501-b333-22921a6b027d", "input_default": {"name": "event"},
         "metadata": {}}],
        "links": [{"id": "l", "source_id": "hook", "source_name": "event_data", "sink_id": "out", "sink_name": "value"}]});
    let (status, saved) = api("/external-api/v1/graphs".into(), graph).await;
    assert_eq!(status, 200, "{saved}");
    let id = saved["id"].as_str().expect("an id").to_owned();
    let (status, trigger) =
        api(format!("/external-api/v1/graphs/{id}/triggers"), serde_json::json!({"graph_version": 1})).await;
    assert_eq!(status, 201, "{trigger}");
    let page = browser.get("/triggers").await.body;
    assert!(page.contains(&format!("<a href=\"/agents/{id}\">agent {id}</a>")), "{page}");
    assert!(page.contains("v1 (node hook)"), "{page}");
}

#[tokio::test]
async fn another_users_session_sees_nothing_of_the_first_users() {
    use block_server::domain::{Scope, User};
    let console = Console::start("isolation").await;
    let mut first = console.signed_in().await;
    let csrf = first.csrf().await;
    let run = first.post("/blocks/CalculatorBlock/run", &[("csrf", &csrf), ("input.a", "1"), ("input.b", "2")]).await;
    let run = run.location.expect("a run page");
    first
        .post(
            "/credentials",
            &[("csrf", &csrf), ("provider", "example"), ("type", "api_key"), ("title", "First's"), ("api_key", "k")],
        )
        .await;

    let storage = console.state.storage();
    let other =
        User { id: "other-user".into(), name: "Other".into(), email: "other@localhost".into(), timezone: "UTC".into() };
    storage.create_user(other.clone(), 10).await.expect("a second user");
    let (key, _) =
        block_server::services::accounts::create_api_key(storage.as_ref(), &other.id, "other", Scope::ALL.to_vec())
            .await
            .expect("a key");
    let mut second = console.browser();
    let key = block_core::ExposeSecret::expose_secret(&key.key).to_owned();
    assert_eq!(second.post("/login", &[("api_key", &key)]).await.status, 303);
    assert_eq!(second.get(&run).await.status, 404, "another user's run is not found");
    assert!(second.get("/runs").await.body.contains("<span data-count>0</span>"));
    assert!(!second.get("/credentials").await.body.contains("First's"));
    assert!(second.get("/credits").await.body.contains("<strong>10</strong> credits"));
    assert!(second.get("/").await.body.contains("class=\"who\">Other</span>"));
}
