//! Secrets the provider issues: a manual webhook waits for the one the user gives,
//! refusing deliveries until then; a given secret decides which webhook is reused;
//! auto-setup webhooks keep the secret this server registered.

use std::sync::Arc;
use std::time::SystemTime;

use block_core::http::{HttpClient, HttpPolicy, MockTransport};
use block_core::prelude::*;
use block_core::webhooks::{
    DispatchError, Dispatcher, InMemoryWebhookStore, SecretSource, Webhook, WebhookError, WebhookKind, WebhookManager,
    WebhookStore, Webhooks, manager_of,
};
use block_core::{Executor, Registry};

use super::stamp::{StampManager, StampTriggerBlock, WHAT, stamp_headers};

const BASE_URL: &str = "https://blocks.test";

fn registry() -> Registry {
    Registry::builder().block::<StampTriggerBlock>().block::<super::HookyTriggerBlock>().build().expect("valid")
}

fn lifecycle(store: Arc<InMemoryWebhookStore>) -> Webhooks {
    let http = HttpClient::new(HttpPolicy::default(), Arc::new(MockTransport::new([])));
    Webhooks::new(store, http, &format!("{BASE_URL}/"))
}

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

#[test]
fn a_manager_says_which_value_the_provider_issues() {
    assert_eq!(StampManager.secret_source(), SecretSource::Provider { what: WHAT });
    assert!(StampManager.secret_source().is_provider_issued());
    assert_eq!(super::HookyManager.secret_source(), SecretSource::Generated, "the default");
    let registry = registry();
    let source = manager_of(&registry, "stamp").expect("a manager").secret_source();
    assert_eq!(source.describe(), WHAT);
}

#[tokio::test]
async fn a_webhook_waiting_for_its_issued_secret_refuses_deliveries_until_the_owner_sets_it() {
    let registry = registry();
    let block = registry.by_name("StampTriggerBlock").expect("registered");
    let store = Arc::new(InMemoryWebhookStore::new());
    let webhooks = lifecycle(store.clone());
    let (_, hook) = webhooks.subscribe(&registry, block, "alice", json!({}), "", None).await.expect("subscribed");
    assert!(hook.secret.expose_secret().is_empty(), "no secret is invented for the provider");
    let url = webhooks.ingress_url(&hook);
    let dispatcher = Dispatcher::new(&registry, store.clone(), Executor::new()).with_public_url(webhooks.base_url());
    let body = br#"{"text": "hi"}"#;

    // Signed with the empty key: anyone could do that, so it must not pass.
    let forged = stamp_headers("", &url, "message.created", body, SystemTime::now());
    let refused = dispatcher.receive("stamp", &hook.id, &forged, body).await.expect_err("no secret yet");
    match refused {
        DispatchError::BadSignature(message) => assert!(message.contains(WHAT), "{message}"),
        other => panic!("expected a bad signature, got {other:?}"),
    }

    let error = webhooks.set_secret("mallory", &hook.id, &secret("whsec_evil")).await.expect_err("not hers");
    assert!(error.to_string().contains("no webhook with id"), "{error}");
    let error = webhooks.set_secret("alice", &hook.id, &secret(" \n")).await.expect_err("empty");
    assert!(matches!(error, WebhookError::Invalid(_)), "{error}");
    let updated = webhooks.set_secret("alice", &hook.id, &secret("  whsec_issued\n")).await.expect("set");
    assert_eq!(updated.secret.expose_secret(), "whsec_issued", "a pasted secret is trimmed");

    let signed = stamp_headers("whsec_issued", &url, "message.created", body, SystemTime::now());
    let received = dispatcher.receive("stamp", &hook.id, &signed, body).await.expect("accepted");
    assert_eq!(received.runs.len(), 1);
    assert_eq!(received.runs[0].outputs().to_json(), json!({"payload": [{"text": "hi"}]}));
    assert_eq!(received.reply, None);
}

#[tokio::test]
async fn a_secret_given_when_subscribing_signs_the_webhook_and_decides_which_is_reused() {
    let registry = registry();
    let block = registry.by_name("StampTriggerBlock").expect("registered");
    let store = Arc::new(InMemoryWebhookStore::new());
    let webhooks = lifecycle(store.clone());
    let subscribe = |text: &'static str| {
        let given = secret(text);
        let webhooks = webhooks.clone();
        let registry = &registry;
        async move { webhooks.subscribe_with_secret(registry, block, "alice", json!({}), "", None, &given).await }
    };

    let (_, first) = subscribe("whsec_one").await.expect("subscribed");
    assert_eq!(first.secret.expose_secret(), "whsec_one");
    let (_, same) = subscribe("whsec_one").await.expect("subscribed");
    assert_eq!(same.id, first.id, "the same secret reuses the webhook");
    let (_, other) = subscribe("whsec_two").await.expect("subscribed");
    assert_ne!(other.id, first.id, "another secret is another endpoint at the provider");
    assert!(subscribe("   ").await.is_err_and(|e| e.to_string().contains("empty")));

    // A webhook still waiting for its secret takes the one given next.
    let store = Arc::new(InMemoryWebhookStore::new());
    let webhooks = lifecycle(store.clone());
    let (_, waiting) = webhooks.subscribe(&registry, block, "bob", json!({}), "", None).await.expect("subscribed");
    let (_, filled) = webhooks
        .subscribe_with_secret(&registry, block, "bob", json!({}), "", None, &secret("whsec_late"))
        .await
        .expect("subscribed");
    assert_eq!(filled.id, waiting.id);
    let stored = store.webhook(&waiting.id).await.expect("store").expect("kept");
    assert_eq!(stored.secret.expose_secret(), "whsec_late");
}

#[tokio::test]
async fn auto_setup_webhooks_keep_the_secret_this_server_registered() {
    let registry = registry();
    let block = registry.by_name("HookyTriggerBlock").expect("registered");
    let store = Arc::new(InMemoryWebhookStore::new());
    let webhooks = lifecycle(store.clone());
    let config = json!({"events": {"pushed": true}});
    let error = webhooks
        .subscribe_with_secret(&registry, block, "alice", config, "a/b", None, &secret("mine"))
        .await
        .expect_err("auto-setup");
    assert!(error.to_string().contains("secret of this server's own"), "{error}");

    let hook = Webhook::new("hooky", "alice", WebhookKind::Auto, "a/b", vec!["repo.pushed".into()], None);
    store.put_webhook(hook.clone()).await.expect("stored");
    let error = webhooks.set_secret("alice", &hook.id, &secret("mine")).await.expect_err("auto-setup");
    assert!(error.to_string().contains("cannot be replaced"), "{error}");
    let kept = store.webhook(&hook.id).await.expect("store").expect("kept");
    assert_eq!(kept.secret.expose_secret(), hook.secret.expose_secret());
}
