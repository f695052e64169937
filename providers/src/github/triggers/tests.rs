//! GitHub triggers end to end: the auto-setup lifecycle against a mocked GitHub
//! API, and deliveries through the dispatcher.

use std::sync::Arc;

use block_core::credentials::{CredentialsType, StoredCredentials, test_credentials};
use block_core::http::{Exchange, HeaderMap, HttpClient, HttpPolicy, MockTransport};
use block_core::prelude::*;
use block_core::webhooks::{DispatchError, Dispatcher, InMemoryWebhookStore, WebhookManager, WebhookStore, Webhooks};
use block_core::{BlockType, Executor, InMemoryCredentialStore, Registry};

use super::{GithubIssuesTriggerBlock, GithubPullRequestTriggerBlock};
use crate::github::{GithubWebhookManager, fixtures};

const HOOKS: &str = "https://api.github.com/repos/octocat/hello-world/hooks";
const BASE_URL: &str = "https://blocks.example.com";

fn registry() -> Registry {
    Registry::builder()
        .block::<GithubPullRequestTriggerBlock>()
        .block::<GithubIssuesTriggerBlock>()
        .build()
        .expect("valid")
}

fn credentials() -> StoredCredentials {
    test_credentials("github", CredentialsType::ApiKey)
}

/// A pull request trigger's configuration: everything but the payload.
fn config(actions: &[&str]) -> Value {
    let events: serde_json::Map<String, Value> = actions.iter().map(|&a| (a.to_owned(), json!(true))).collect();
    json!({"credentials": credentials().meta(), "repo": "octocat/hello-world", "events": events})
}

fn registered(id: u64) -> Exchange {
    Exchange::post(HOOKS)
        .header("authorization", "Bearer mock-github-api-key")
        .body_matches(|body| {
            let body: Value = serde_json::from_slice(body).unwrap_or_default();
            body["events"] == json!(["pull_request"])
                && body["config"]["url"]
                    .as_str()
                    .is_some_and(|url| url.starts_with("https://blocks.example.com/api/integrations/github/webhooks/"))
                && body["config"]["secret"].as_str().is_some_and(|secret| secret.len() >= 32)
        })
        .respond_json(201, json!({"id": id, "name": "web", "active": true}))
}

#[test]
fn the_triggers_are_auto_setup_webhook_blocks_with_an_event_filter() {
    let registry = registry();
    for (name, prefix) in [("GithubPullRequestTriggerBlock", "pull_request"), ("GithubIssuesTriggerBlock", "issues")] {
        let block = registry.by_name(name).expect("registered");
        assert_eq!(block.descriptor().block_type, BlockType::Webhook, "{name}");
        assert_eq!(block.info()["uiType"], "Webhook", "{name}");
        let trigger = block.descriptor().trigger.expect("a trigger");
        assert_eq!(
            (trigger.provider, trigger.event_prefix, trigger.filter_field),
            ("github", Some(prefix), Some("events"))
        );
        let opened = &block.input_schema()["properties"]["events"]["properties"]["opened"];
        assert_eq!((opened["type"].as_str(), opened["default"].as_bool()), (Some("boolean"), Some(false)), "{name}");
    }
    let pull_requests = registry.by_name("GithubPullRequestTriggerBlock").expect("registered");
    let trigger = pull_requests.descriptor().trigger.expect("a trigger");
    assert_eq!(
        trigger.events_for(&config(&["opened", "synchronize"])),
        ["pull_request.opened", "pull_request.synchronize"]
    );
}

#[tokio::test]
async fn the_repository_hook_is_created_reused_deleted_with_its_last_subscriber_and_reconciled() {
    let registry = registry();
    let block = registry.by_name("GithubPullRequestTriggerBlock").expect("registered");
    let mock = Arc::new(MockTransport::new([
        registered(101),
        registered(102),
        Exchange::delete(&format!("{HOOKS}/101")).respond(204),
        Exchange::get(&format!("{HOOKS}?per_page=100")).respond_json(
            200,
            json!([
                {"id": 102, "config": {"url": format!("{BASE_URL}/api/integrations/github/webhooks/known/ingress")}},
                {"id": 103, "config": {"url": format!("{BASE_URL}/api/integrations/github/webhooks/gone/ingress")}},
                {"id": 104, "config": {"url": "https://ci.example.com/github"}},
            ]),
        ),
        Exchange::delete(&format!("{HOOKS}/103")).respond(204),
    ]));
    let store = Arc::new(InMemoryWebhookStore::new());
    let webhooks = Webhooks::new(store.clone(), HttpClient::new(HttpPolicy::default(), mock.clone()), BASE_URL);
    let creds = credentials();
    let subscribe = |actions: &'static [&'static str]| {
        webhooks.subscribe(&registry, block, "alice", config(actions), "octocat/hello-world", Some(&creds))
    };

    let (first, hook) = subscribe(&["opened"]).await.expect("subscribed");
    assert_eq!(hook.remote_id.as_deref(), Some("101"));
    let (second, reused) = subscribe(&["opened"]).await.expect("subscribed");
    assert_eq!(reused.id, hook.id, "same credentials, repository and events share the hook");
    let (_, other) = subscribe(&["closed"]).await.expect("subscribed");
    assert_eq!(other.remote_id.as_deref(), Some("102"), "other actions get a hook of their own");

    webhooks.unsubscribe(&registry, "alice", &first.id, Some(&creds)).await.expect("unsubscribed");
    assert!(store.webhook(&hook.id).await.expect("store").is_some(), "a subscriber remains");
    webhooks.unsubscribe(&registry, "alice", &second.id, Some(&creds)).await.expect("unsubscribed");
    assert!(store.webhook(&hook.id).await.expect("store").is_none(), "the last subscriber took the hook along");

    let removed = webhooks.reconcile(&registry, "github", &creds, "octocat/hello-world").await.expect("reconciled");
    assert_eq!(removed, ["103"], "only our unknown hook goes; the CI service's hook stays");
    mock.verify().expect("every GitHub call was made, and no other");
}

#[tokio::test]
async fn a_signed_delivery_runs_the_subscribed_trigger_and_refusals_run_nothing() {
    let registry = registry();
    let block = registry.by_name("GithubPullRequestTriggerBlock").expect("registered");
    let store = Arc::new(InMemoryWebhookStore::new());
    let mock = Arc::new(MockTransport::new([registered(101)]));
    let webhooks = Webhooks::new(store.clone(), HttpClient::new(HttpPolicy::default(), mock), BASE_URL);
    let (_, hook) = webhooks
        .subscribe(&registry, block, "alice", config(&["opened"]), "octocat/hello-world", Some(&credentials()))
        .await
        .expect("subscribed");
    let executor =
        Executor::new().with_credentials(Arc::new(InMemoryCredentialStore::new().with_user("alice", [credentials()])));
    let dispatcher = Dispatcher::new(&registry, store, executor).with_max_body_bytes(25 << 20);
    let body = fixtures::PULL_REQUEST_OPENED.as_bytes();
    let headers = GithubWebhookManager.sign_delivery(&hook, "pull_request.opened", body);

    let runs = dispatcher.dispatch("github", &hook.id, &headers, body).await.expect("accepted");
    assert_eq!(runs.len(), 1);
    let outputs = runs[0].outputs().to_json();
    assert_eq!(outputs["number"], json!([2]), "{outputs}");
    assert_eq!(outputs["event"], json!(["opened"]), "{outputs}");

    let mut unnamed = headers.clone();
    unnamed.remove("x-github-event");
    let missing_event = dispatcher.dispatch("github", &hook.id, &unnamed, body).await;
    assert!(matches!(missing_event, Err(DispatchError::BadPayload(_))), "{missing_event:?}");
    let unsigned = dispatcher.dispatch("github", &hook.id, &HeaderMap::new(), body).await;
    assert!(matches!(unsigned, Err(DispatchError::BadSignature(_))), "{unsigned:?}");
    let wrong_provider = dispatcher.dispatch("example", &hook.id, &headers, body).await;
    assert!(matches!(wrong_provider, Err(DispatchError::NotFound)), "{wrong_provider:?}");

    let ping = fixtures::PING.as_bytes();
    let runs = dispatcher
        .dispatch("github", &hook.id, &GithubWebhookManager.sign_delivery(&hook, "ping", ping), ping)
        .await
        .expect("a ping is accepted");
    assert!(runs.is_empty(), "no trigger subscribes to ping");
}
