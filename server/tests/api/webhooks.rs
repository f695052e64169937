//! Trigger subscriptions over the API and signed deliveries through the ingress.

use block_core::Block;
use block_core::webhooks::{Webhook, WebhookKind, WebhookManager};
use block_examples::example::{ExampleTriggerBlock, ExampleWebhookManager};
use block_server::Settings;
use block_server::domain::{RunSource, RunStatus};
use serde_json::{Value, json};

use crate::support::{Answer, Client, Options, TestServer, header_pairs, pin_counts, runs_of, settled_runs};

/// The webhook a subscription answer describes, as the provider knows it (URL and
/// secret pasted into its settings).
fn webhook_of(answer: &Value, owner: &str) -> Webhook {
    let webhook = &answer["webhook"];
    Webhook {
        id: webhook["id"].as_str().expect("an id").to_owned(),
        provider: "example".into(),
        owner: owner.to_owned(),
        secret: webhook["secret"].as_str().expect("the secret of a manual webhook").to_owned().into(),
        events: vec!["example_event".into()],
        resource: String::new(),
        credentials_id: None,
        remote_id: None,
        kind: WebhookKind::Manual,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_delivery_runs_the_subscribed_trigger_and_a_tampered_one_is_refused() {
    let server = TestServer::start("webhooks").await;
    let client = server.client();
    let created =
        client.post("/external-api/v1/triggers", &json!({"block_id": ExampleTriggerBlock::DESCRIPTOR.id})).await;
    let subscription = created.expect(201).json();
    assert_eq!(subscription["events"], json!(["example_event"]));
    let webhook = webhook_of(&subscription, &server.user_id);
    let ingress = format!("/api/integrations/example/webhooks/{}/ingress", webhook.id);
    assert_eq!(subscription["ingress_url"], format!("{}{ingress}", server.url));

    let body = json!({"webhook_type": "example_event", "id": "evt_1", "data": {"greeting": "Hello"}}).to_string();
    let signed = ExampleWebhookManager.sign_delivery(&webhook, "example_event", body.as_bytes());
    let post = |body: String, path: String| {
        let (client, signed) = (client.clone(), signed.clone());
        async move { deliver(&client, &path, &body, &signed).await }
    };
    let delivered = post(body.clone(), ingress.clone()).await;
    assert_eq!(delivered.expect(200).json(), json!({"received": true, "queued": 1}), "answered at once, run queued");
    let records = settled_runs(&server, 1).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].source, RunSource::Webhook);
    assert_eq!(pin_counts(&records[0]), Some(json!({"event_data": 1})));

    let tampered = body.replace("Hello", "Goodbye");
    let refused = post(tampered, ingress.clone()).await;
    assert_eq!(refused.expect(403).code(), "bad_signature");
    let unknown = post(body.clone(), "/api/integrations/example/webhooks/nope/ingress".into()).await;
    unknown.expect(404);
    let other_provider = post(body.clone(), format!("/api/integrations/github/webhooks/{}/ingress", webhook.id));
    assert_eq!(other_provider.await.expect(404).code(), unknown.code(), "the same 404 as an unknown id");
    let again = post(body.clone(), ingress.clone()).await;
    assert_eq!(again.expect(200).json(), json!({"received": true, "duplicate": true}), "a redelivery runs nothing");
    assert_eq!(runs_of(server.storage().as_ref(), &server.user_id, 10).await.len(), 1, "nothing else ran");

    let listed = client.get("/external-api/v1/triggers").await;
    assert_eq!(listed.expect(200).json()[0]["id"], subscription["id"]);
    assert!(!listed.text.contains(webhook.secret_text()), "lists never show the secret");
    let webhooks = client.get("/external-api/v1/webhooks").await;
    assert_eq!(webhooks.expect(200).json()[0]["subscriptions"], 1);

    let again = client.post("/external-api/v1/triggers", &json!({"block_id": "ExampleTriggerBlock"})).await;
    assert_eq!(again.expect(201).json()["webhook_id"], webhook.id.as_str(), "the webhook is reused");
    let id = subscription["id"].as_str().expect("an id");
    client.delete(&format!("/external-api/v1/triggers/{id}")).await.expect(200);
    client.delete(&format!("/external-api/v1/triggers/{id}")).await.expect(404);
    client.delete(&format!("/external-api/v1/webhooks/{}", webhook.id)).await.expect(200);
    assert_eq!(client.get("/external-api/v1/webhooks").await.expect(200).json(), json!([]));
    post(body, ingress).await.expect(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_trigger_blocks_can_be_subscribed() {
    let server = TestServer::start("webhooks-refused").await;
    let client = server.client();
    let answer = client.post("/external-api/v1/triggers", &json!({"block_id": "CalculatorBlock"})).await;
    assert_eq!(answer.expect(422).code(), "invalid_body");
    client.post("/external-api/v1/triggers", &json!({"block_id": "NoSuchBlock"})).await.expect(404);
    client.post("/external-api/v1/triggers", &json!({"block": "typo"})).await.expect(422);
}

/// Posts a delivery to the ingress as the provider does: no key, its own
/// signature headers.
async fn deliver(client: &Client, path: &str, body: &str, signed: &http::HeaderMap) -> Answer {
    client.with_key(None).send_raw("POST", path, None, body, &header_pairs(signed)).await
}

trait SecretText {
    fn secret_text(&self) -> &str;
}

impl SecretText for Webhook {
    fn secret_text(&self) -> &str {
        block_core::ExposeSecret::expose_secret(&self.secret)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_trigger_is_charged_before_it_runs_and_does_not_run_unpaid() {
    let settings = Settings { starting_credits: 3, rate_limit_per_minute: 0, ..Settings::default() };
    let server = TestServer::start_with("webhooks-paid", Options { settings, ..Options::default() }).await;
    let client = server.client();
    let created = client.post("/external-api/v1/triggers", &json!({"block_id": "PaidTriggerBlock"})).await;
    let webhook = webhook_of(&created.expect(201).json(), &server.user_id);
    let ingress = format!("/api/integrations/example/webhooks/{}/ingress", webhook.id);
    let post = |id: &str| {
        let body = json!({"webhook_type": "example_event", "id": id, "data": {"greeting": "Hello"}}).to_string();
        let signed = ExampleWebhookManager.sign_delivery(&webhook, "example_event", body.as_bytes());
        let (client, ingress) = (client.clone(), ingress.clone());
        async move { deliver(&client, &ingress, &body, &signed).await }
    };

    let paid = post("evt_1").await;
    assert_eq!(paid.expect(200).json(), json!({"received": true, "queued": 1}));
    settled_runs(&server, 1).await;
    assert_eq!(client.get("/external-api/v1/credits").await.expect(200).json()["balance"], 1, "3 - 2");
    let unpaid = post("evt_2").await;
    assert_eq!(unpaid.expect(200).json(), json!({"received": true, "queued": 1}), "queued; charged when it starts");
    let records = settled_runs(&server, 2).await;
    assert_eq!(client.get("/external-api/v1/credits").await.expect(200).json()["balance"], 1, "nothing taken");

    assert_eq!(records.len(), 2, "{records:?}");
    let ran = records.iter().find(|record| record.status == RunStatus::Completed).expect("the paid run");
    assert_eq!((ran.charged, pin_counts(ran)), (2, Some(json!({"event": 1}))));
    let refused = records.iter().find(|record| record.status == RunStatus::Failed).expect("the refused run");
    assert_eq!(refused.charged, 0);
    assert!(refused.error.as_deref().is_some_and(|error| error.contains("costs 2 credits")), "{refused:?}");
    let ledger = server.storage().ledger(&server.user_id, 10).await.expect("the ledger");
    let charges: Vec<_> = ledger.iter().filter(|row| row.amount < 0).collect();
    assert_eq!(charges.len(), 1, "{ledger:?}");
    assert_eq!((charges[0].amount, charges[0].reason.as_str()), (-2, "trigger PaidTriggerBlock"));
    assert_eq!(charges[0].execution_id.as_deref(), Some(ran.id.as_str()), "the charge names the run");
}
