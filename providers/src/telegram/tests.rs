//! The bot's webhook end to end: registered with `setWebhook` and a secret token,
//! reused, deleted with its last subscriber, reconciled; and updates through the
//! dispatcher.

use std::sync::Arc;

use block_core::credentials::{ApiKeyCredentials, CredentialsMeta, CredentialsType, StoredCredentials};
use block_core::http::{Exchange, HeaderMap, HttpClient, HttpPolicy, MockTransport};
use block_core::prelude::*;
use block_core::webhooks::{DispatchError, Dispatcher, InMemoryWebhookStore, WebhookManager, WebhookStore, Webhooks};
use block_core::{Executor, InMemoryCredentialStore, Provider, Registry};

use super::*;

const TOKEN: &str = "123456789:AAE-canary_token-9f3a7c1e";
const BASE_URL: &str = "https://blocks.example.com";

fn api(method: &str) -> String {
    format!("https://api.telegram.org/bot{TOKEN}/{method}")
}

fn credentials() -> StoredCredentials {
    StoredCredentials::ApiKey(ApiKeyCredentials {
        meta: CredentialsMeta {
            id: "bot-1".into(),
            provider: "telegram".into(),
            kind: CredentialsType::ApiKey,
            title: Some("My bot".into()),
        },
        api_key: TOKEN.into(),
        expires_at: None,
    })
}

fn registry() -> Registry {
    Registry::builder().block::<TelegramMessageTriggerBlock>().build().expect("valid")
}

fn config() -> Value {
    json!({"credentials": credentials().meta()})
}

fn set_webhook() -> Exchange {
    Exchange::post(&api("setWebhook"))
        .body_matches(|body| {
            let body: Value = serde_json::from_slice(body).unwrap_or_default();
            body["allowed_updates"] == json!(["message"])
                && body["url"].as_str().is_some_and(|url| {
                    url.starts_with("https://blocks.example.com/api/integrations/telegram/webhooks/")
                })
                && body["secret_token"].as_str().is_some_and(|secret| {
                    (32..=256).contains(&secret.len())
                        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                })
        })
        .respond_json(200, json!({"ok": true, "result": true, "description": "Webhook was set"}))
}

#[test]
fn the_provider_takes_a_bot_token_and_registers_its_webhook() {
    assert_eq!(Telegram::DESCRIPTOR.trusted_origins, ["https://api.telegram.org"]);
    assert!(block_core::provider::env_example([Telegram::DESCRIPTOR]).contains("\nTELEGRAM_BOT_TOKEN=\n"));
    assert_eq!(TelegramWebhookManager.kind(), block_core::webhooks::WebhookKind::Auto);
    assert_eq!(TelegramWebhookManager.tolerance(), None, "Telegram signs no time");
}

#[tokio::test]
async fn the_webhook_is_set_reused_deleted_with_its_last_subscriber_and_reconciled() {
    let registry = registry();
    let block = registry.by_name("TelegramMessageTriggerBlock").expect("registered");
    let mock = Arc::new(MockTransport::new([
        set_webhook(),
        Exchange::post(&api("deleteWebhook"))
            .respond_json(200, json!({"ok": true, "result": true, "description": "Webhook was deleted"})),
        Exchange::post(&api("getWebhookInfo")).respond_json(
            200,
            json!({"ok": true, "result": {"url": format!("{BASE_URL}/api/integrations/telegram/webhooks/gone/ingress"),
                                          "has_custom_certificate": false, "pending_update_count": 0}}),
        ),
        Exchange::post(&api("deleteWebhook")).respond_json(200, json!({"ok": true, "result": true})),
    ]));
    let store = Arc::new(InMemoryWebhookStore::new());
    let webhooks = Webhooks::new(store.clone(), HttpClient::new(HttpPolicy::default(), mock.clone()), BASE_URL);
    let creds = credentials();

    let (first, hook) = webhooks.subscribe(&registry, block, "alice", config(), "", Some(&creds)).await.expect("set");
    assert_eq!(hook.remote_id.as_deref(), Some("123456789"), "the bot's id");
    let (second, reused) =
        webhooks.subscribe(&registry, block, "alice", config(), "", Some(&creds)).await.expect("reused");
    assert_eq!(reused.id, hook.id, "one bot, one webhook");

    webhooks.unsubscribe(&registry, "alice", &first.id, Some(&creds)).await.expect("unsubscribed");
    assert!(store.webhook(&hook.id).await.expect("store").is_some(), "a subscriber remains");
    webhooks.unsubscribe(&registry, "alice", &second.id, Some(&creds)).await.expect("unsubscribed");
    assert!(store.webhook(&hook.id).await.expect("store").is_none(), "deleteWebhook went with the last one");

    let removed = webhooks.reconcile(&registry, "telegram", &creds, "").await.expect("reconciled");
    assert_eq!(removed, ["123456789"], "a webhook of ours no stored webhook knows is deleted");
    mock.verify().expect("every Bot API call was made, and no other");
}

#[tokio::test]
async fn a_refused_registration_names_telegrams_reason_without_the_token() {
    let registry = registry();
    let block = registry.by_name("TelegramMessageTriggerBlock").expect("registered");
    let mock = Arc::new(MockTransport::new([Exchange::post(&api("setWebhook")).respond_json(
        400,
        json!({"ok": false, "error_code": 400, "description": "Bad Request: bad webhook: HTTPS url must be provided for webhook"}),
    )]));
    let webhooks = Webhooks::new(
        Arc::new(InMemoryWebhookStore::new()),
        HttpClient::new(HttpPolicy::default(), mock),
        "http://localhost:8000",
    );
    let error =
        webhooks.subscribe(&registry, block, "alice", config(), "", Some(&credentials())).await.expect_err("400");
    let text = format!("{error} {error:?}");
    assert!(text.contains("HTTPS url must be provided"), "{text}");
    assert!(!text.contains("canary"), "{text}");
}

#[tokio::test]
async fn an_update_with_the_secret_token_runs_the_trigger_and_others_are_refused() {
    let registry = registry();
    let block = registry.by_name("TelegramMessageTriggerBlock").expect("registered");
    let store = Arc::new(InMemoryWebhookStore::new());
    let mock = Arc::new(MockTransport::new([set_webhook()]));
    let webhooks = Webhooks::new(store.clone(), HttpClient::new(HttpPolicy::default(), mock), BASE_URL);
    let (_, hook) =
        webhooks.subscribe(&registry, block, "alice", config(), "", Some(&credentials())).await.expect("set");
    let executor =
        Executor::new().with_credentials(Arc::new(InMemoryCredentialStore::new().with_user("alice", [credentials()])));
    let dispatcher = Dispatcher::new(&registry, store, executor).with_public_url(webhooks.base_url());
    let body = json!({"update_id": 7, "message": {"message_id": 3, "chat": {"id": 42, "type": "private"},
                                                  "date": 1, "text": "hello"}})
    .to_string();
    let headers = TelegramWebhookManager.sign_delivery(&hook, "message", body.as_bytes());

    let received = dispatcher.receive("telegram", &hook.id, &headers, body.as_bytes()).await.expect("accepted");
    assert_eq!(received.runs.len(), 1);
    let outputs = received.runs[0].outputs().to_json();
    assert_eq!((outputs["text"].clone(), outputs["chat_id"].clone()), (json!(["hello"]), json!([42])), "{outputs}");

    let unsigned = dispatcher.receive("telegram", &hook.id, &HeaderMap::new(), body.as_bytes()).await;
    assert!(matches!(unsigned, Err(DispatchError::BadSignature(_))), "{unsigned:?}");
    let two_kinds = json!({"update_id": 8, "message": {}, "edited_message": {}}).to_string();
    let headers = TelegramWebhookManager.sign_delivery(&hook, "message", two_kinds.as_bytes());
    let malformed = dispatcher.receive("telegram", &hook.id, &headers, two_kinds.as_bytes()).await;
    assert!(matches!(malformed, Err(DispatchError::BadPayload(_))), "{malformed:?}");
}
