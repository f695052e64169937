//! Webhooks: the dispatcher's refusals and the auto-setup lifecycle, with a test
//! provider whose remote API is mocked at the transport; provider-issued secrets,
//! replies, the public URL and the harness's trigger cases in the modules below.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use block_core::credentials::{ApiKeyCredentials, CredentialsMeta, CredentialsType, StoredCredentials};
use block_core::http::{Exchange, HeaderMap, HeaderValue, HttpClient, HttpPolicy, MockTransport};
use block_core::prelude::*;
use block_core::webhooks::{
    Delivery, DispatchError, Dispatcher, InMemoryWebhookStore, RemoteHook, Subscription, TriggerGate, Verified,
    Webhook, WebhookError, WebhookKind, WebhookManager, WebhookStore, Webhooks, hmac_sha256_hex,
    verify_hmac_sha256_hex,
};
use block_core::{BlockType, Executor, RegisteredBlock, Registry, RunOptions};

#[path = "webhooks/graph_targets.rs"]
mod graph_targets;
#[path = "webhooks/harness_cases.rs"]
mod harness_cases;
#[path = "webhooks/provider_secrets.rs"]
mod provider_secrets;
#[path = "webhooks/replies.rs"]
mod replies;
#[path = "webhooks/stamp.rs"]
mod stamp;

/// Signs with `x-hooky-signature: <hex>`; registers hooks at `https://api.hooky.test`.
#[derive(Default)]
pub struct HookyManager;

#[block_core::async_trait]
impl WebhookManager for HookyManager {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Auto
    }

    fn verify(&self, webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Verified, WebhookError> {
        let signature = headers
            .get("x-hooky-signature")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| WebhookError::BadSignature("missing signature".into()))?;
        if verify_hmac_sha256_hex(webhook.secret.expose_secret().as_bytes(), body, signature) {
            Ok(Verified::signature_checked())
        } else {
            Err(WebhookError::BadSignature("signature mismatch".into()))
        }
    }

    fn parse(&self, _webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let event = headers
            .get("x-hooky-event")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| WebhookError::BadPayload("missing event".into()))?;
        let payload = serde_json::from_slice(body).map_err(|e| WebhookError::BadPayload(e.to_string()))?;
        Ok(Delivery { event: event.to_owned(), payload })
    }

    fn sign_delivery(&self, webhook: &Webhook, event: &str, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let signature = hmac_sha256_hex(webhook.secret.expose_secret().as_bytes(), body);
        headers.insert("x-hooky-signature", HeaderValue::from_str(&signature).expect("hex"));
        headers.insert("x-hooky-event", HeaderValue::from_str(event).expect("event"));
        headers
    }

    async fn register(
        &self,
        http: &HttpClient,
        _credentials: &StoredCredentials,
        webhook: &Webhook,
        url: &str,
    ) -> Result<String, WebhookError> {
        let body = json!({"url": url, "events": webhook.events});
        let created: Value = http.post("https://api.hooky.test/hooks").json(&body).send().await?.json()?;
        Ok(created["id"].as_str().unwrap_or_default().to_owned())
    }

    async fn deregister(
        &self,
        http: &HttpClient,
        _credentials: &StoredCredentials,
        _resource: &str,
        remote_id: &str,
    ) -> Result<(), WebhookError> {
        http.delete(format!("https://api.hooky.test/hooks/{remote_id}")).send().await?.error_for_status()?;
        Ok(())
    }

    async fn remote_hooks(
        &self,
        http: &HttpClient,
        _credentials: &StoredCredentials,
        _resource: &str,
    ) -> Result<Vec<RemoteHook>, WebhookError> {
        let hooks: Vec<Value> = http.get("https://api.hooky.test/hooks").send().await?.json()?;
        Ok(hooks
            .iter()
            .map(|h| RemoteHook {
                id: h["id"].as_str().unwrap_or_default().into(),
                url: h["url"].as_str().unwrap_or_default().into(),
            })
            .collect())
    }
}

/// The Hooky service.
#[provider(name = "hooky", api_key, webhooks(auto, manager = HookyManager))]
pub struct Hooky;

static RUNS: AtomicUsize = AtomicUsize::new(0);

/// Input of the Hooky trigger.
#[derive(BlockInput)]
pub struct HookyInput {
    /// Which events to run on.
    #[block_input(event_filter)]
    pub events: HookyEvents,
    /// The delivered event.
    #[block_input(hidden)]
    pub payload: Value,
}

/// The Hooky events a trigger can choose.
#[derive(BlockInput)]
pub struct HookyEvents {
    /// A thing was pushed.
    #[block_input(default = false)]
    pub pushed: bool,
    /// A thing was deleted.
    #[block_input(default = false)]
    pub deleted: bool,
}

/// Outputs of the Hooky trigger.
#[derive(BlockOutput)]
pub enum HookyOutput {
    /// The payload.
    Payload(Value),
}

/// Runs on Hooky repository events.
#[block(id = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", categories(Input), trigger(provider = Hooky, event = "repo"), untested = "cases are in this file")]
pub struct HookyTriggerBlock;

impl Run for HookyTriggerBlock {
    type Input = HookyInput;
    type Output = HookyOutput;
    async fn run(&self, input: HookyInput, _ctx: &RunContext, out: &Emit<HookyOutput>) -> Result<(), BlockError> {
        RUNS.fetch_add(1, Ordering::SeqCst);
        out.emit(HookyOutput::Payload(input.payload)).await
    }
}

fn registry() -> Registry {
    Registry::builder().block::<HookyTriggerBlock>().build().expect("valid")
}

fn credentials() -> StoredCredentials {
    StoredCredentials::ApiKey(ApiKeyCredentials {
        meta: CredentialsMeta {
            id: "key-1".into(),
            provider: "hooky".into(),
            kind: CredentialsType::ApiKey,
            title: None,
        },
        api_key: "k".into(),
        expires_at: None,
    })
}

fn config(pushed: bool, deleted: bool) -> Value {
    json!({"events": {"pushed": pushed, "deleted": deleted}})
}

#[test]
fn trigger_blocks_carry_their_spec_and_ui_type() {
    let registry = registry();
    let block = registry.by_name("HookyTriggerBlock").expect("registered");
    assert_eq!(block.descriptor().block_type, BlockType::Webhook);
    assert_eq!(block.info()["uiType"], "Webhook");
    let trigger = block.descriptor().trigger.expect("a trigger");
    assert_eq!(trigger.provider, "hooky");
    assert_eq!(trigger.filter_field, Some("events"));
    assert_eq!(trigger.events_for(&config(true, true)), ["repo.pushed", "repo.deleted"]);
    assert_eq!(block.input_schema()["properties"]["events"]["properties"]["pushed"]["type"], "boolean");
}

#[tokio::test]
async fn the_lifecycle_reuses_deregisters_and_reconciles() {
    let registry = registry();
    let block = registry.by_name("HookyTriggerBlock").expect("registered");
    // The body carries the webhook's fresh id, so match on the events only.
    let mock = Arc::new(MockTransport::new([
        Exchange::post("https://api.hooky.test/hooks")
            .body_matches(|body| {
                let body: Value = serde_json::from_slice(body).unwrap_or_default();
                body["events"] == json!(["repo.pushed"])
                    && body["url"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("https://blocks.test/api/integrations/hooky/webhooks/"))
            })
            .respond_json(201, json!({"id": "remote-1"})),
        Exchange::post("https://api.hooky.test/hooks").respond_json(201, json!({"id": "remote-2"})),
        Exchange::delete("https://api.hooky.test/hooks/remote-1").respond(204),
        Exchange::get("https://api.hooky.test/hooks").respond_json(
            200,
            json!([
                {"id": "remote-2", "url": "https://blocks.test/api/integrations/hooky/webhooks/known/ingress"},
                {"id": "leaked", "url": "https://blocks.test/api/integrations/hooky/webhooks/gone/ingress"},
                {"id": "someone-elses", "url": "https://elsewhere.test/hook"},
            ]),
        ),
        Exchange::delete("https://api.hooky.test/hooks/leaked").respond(204),
    ]));
    let store = Arc::new(InMemoryWebhookStore::new());
    let webhooks =
        Webhooks::new(store.clone(), HttpClient::new(HttpPolicy::default(), mock.clone()), "https://blocks.test/");
    let creds = credentials();
    let (first, hook) = webhooks
        .subscribe(&registry, block, "alice", config(true, false), "a/b", Some(&creds))
        .await
        .expect("subscribed");
    assert_eq!(hook.remote_id.as_deref(), Some("remote-1"));
    assert!(webhooks.ingress_url(&hook).ends_with(&format!("/api/integrations/hooky/webhooks/{}/ingress", hook.id)));
    let (second, reused) = webhooks
        .subscribe(&registry, block, "alice", config(true, false), "a/b", Some(&creds))
        .await
        .expect("subscribed");
    assert_eq!(reused.id, hook.id, "same credentials, resource and events reuse the webhook");
    let (_, other) = webhooks
        .subscribe(&registry, block, "alice", config(false, true), "a/b", Some(&creds))
        .await
        .expect("subscribed");
    assert_ne!(other.id, hook.id, "other events get their own webhook");

    webhooks.unsubscribe(&registry, "alice", &first.id, Some(&creds)).await.expect("unsubscribed");
    assert!(store.webhook(&hook.id).await.expect("store").is_some(), "a subscriber remains");
    webhooks.unsubscribe(&registry, "alice", &second.id, Some(&creds)).await.expect("unsubscribed");
    assert!(store.webhook(&hook.id).await.expect("store").is_none(), "the last subscriber took the webhook along");

    let removed = webhooks.reconcile(&registry, "hooky", &creds, "a/b").await.expect("reconciled");
    assert_eq!(removed, ["leaked"], "only our unknown hook goes; another service's hook stays");
    mock.verify().expect("every remote call was made, and no other");
}

async fn stored_webhook(store: &InMemoryWebhookStore, owner: &str) -> Webhook {
    let webhook = Webhook::new("hooky", owner, WebhookKind::Auto, "a/b", vec!["repo.pushed".into()], None);
    store.put_webhook(webhook.clone()).await.expect("stored");
    webhook
}

async fn subscribe(store: &InMemoryWebhookStore, webhook: &Webhook, owner: &str, id: &str) {
    store
        .put_subscription(Subscription {
            id: id.into(),
            webhook_id: webhook.id.clone(),
            owner: owner.into(),
            block_id: HookyTriggerBlock::DESCRIPTOR.id.into(),
            events: vec!["repo.pushed".into()],
            input: config(true, false),
            graph: None,
        })
        .await
        .expect("stored");
}

fn signed(webhook: &Webhook, event: &str, body: &[u8]) -> HeaderMap {
    HookyManager.sign_delivery(webhook, event, body)
}

#[tokio::test]
async fn deliveries_are_verified_before_anything_is_parsed_or_run() {
    let registry = registry();
    let store = Arc::new(InMemoryWebhookStore::new());
    let webhook = stored_webhook(&store, "alice").await;
    subscribe(&store, &webhook, "alice", "s-alice").await;
    // A subscription of another user attached to alice's webhook must never run.
    subscribe(&store, &webhook, "mallory", "s-mallory").await;
    let dispatcher = Dispatcher::new(&registry, store.clone(), Executor::new()).with_max_body_bytes(1024);
    let body = br#"{"ref": "main"}"#;

    let runs =
        dispatcher.dispatch("hooky", &webhook.id, &signed(&webhook, "repo.pushed", body), body).await.expect("ok");
    assert_eq!(runs.len(), 1, "only the owner's subscription runs");
    assert_eq!(runs[0].subscription_id, "s-alice");
    assert_eq!(runs[0].outputs().to_json(), json!({"payload": [{"ref": "main"}]}));

    let before = RUNS.load(Ordering::SeqCst);
    let unknown = dispatcher.dispatch("hooky", "no-such-id", &signed(&webhook, "repo.pushed", body), body).await;
    assert!(matches!(unknown, Err(DispatchError::NotFound)));
    let wrong_provider =
        dispatcher.dispatch("example", &webhook.id, &signed(&webhook, "repo.pushed", body), body).await;
    assert!(matches!(wrong_provider, Err(DispatchError::NotFound)), "the same answer as an unknown id");
    let unsigned = dispatcher.dispatch("hooky", &webhook.id, &HeaderMap::new(), body).await;
    assert!(matches!(unsigned, Err(DispatchError::BadSignature(_))));
    let headers = signed(&webhook, "repo.pushed", body);
    let tampered = dispatcher.dispatch("hooky", &webhook.id, &headers, br#"{"ref": "evil"}"#).await;
    assert!(matches!(tampered, Err(DispatchError::BadSignature(_))));
    // Verified but unparseable: signed garbage is refused after verification.
    let garbage = b"not json";
    let malformed = dispatcher.dispatch("hooky", &webhook.id, &signed(&webhook, "repo.pushed", garbage), garbage).await;
    assert!(matches!(malformed, Err(DispatchError::BadPayload(_))));
    let big = vec![b' '; 2048];
    let too_large = dispatcher.dispatch("hooky", &webhook.id, &signed(&webhook, "repo.pushed", &big), &big).await;
    assert!(matches!(too_large, Err(DispatchError::TooLarge { limit: 1024 })));
    assert_eq!(RUNS.load(Ordering::SeqCst), before, "no refused delivery ran anything");

    let other_event = dispatcher.dispatch("hooky", &webhook.id, &signed(&webhook, "repo.deleted", body), body).await;
    assert!(other_event.expect("accepted").is_empty(), "no subscription wants repo.deleted");
}

/// Events with one flag on by default.
#[derive(BlockInput)]
pub struct DefaultedEvents {
    /// On unless turned off.
    #[block_input(default = true)]
    pub pushed: bool,
    /// Off unless turned on.
    #[block_input(default = false)]
    pub deleted: bool,
}

/// Input of the defaulted trigger.
#[derive(BlockInput)]
pub struct DefaultedInput {
    /// Which events.
    #[block_input(event_filter)]
    pub events: DefaultedEvents,
    /// The event.
    #[block_input(hidden)]
    pub payload: Value,
}

/// A trigger whose filter has a default.
#[block(id = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a", categories(Input), trigger(provider = Hooky, event = "repo"), untested = "cases are in this file")]
pub struct DefaultedTriggerBlock;

impl Run for DefaultedTriggerBlock {
    type Input = DefaultedInput;
    type Output = HookyOutput;
    async fn run(&self, input: DefaultedInput, _ctx: &RunContext, out: &Emit<HookyOutput>) -> Result<(), BlockError> {
        out.emit(HookyOutput::Payload(input.payload)).await
    }
}

#[test]
fn event_filter_flags_left_out_take_their_defaults() {
    let registry = Registry::builder().block::<DefaultedTriggerBlock>().build().expect("valid");
    let block = registry.by_name("DefaultedTriggerBlock").expect("registered");
    assert_eq!(block.trigger_events(&json!({})), ["repo.pushed"]);
    assert_eq!(block.trigger_events(&json!({"events": {"deleted": true}})), ["repo.pushed", "repo.deleted"]);
    assert_eq!(block.trigger_events(&json!({"events": {"pushed": false}})), Vec::<String>::new());
}

/// Lets runs go for owners with credit, naming each admission; refuses the rest.
struct CreditGate {
    paying: &'static str,
}

#[block_core::async_trait]
impl TriggerGate for CreditGate {
    async fn admit(&self, owner: &str, block: &RegisteredBlock, input: &Value) -> Result<Option<String>, String> {
        assert_eq!(input["payload"], json!({"ref": "main"}), "the gate sees the whole input");
        if owner == self.paying {
            Ok(Some(format!("charged {owner} for {}", block.name())))
        } else {
            Err(format!("{owner} cannot pay for {}", block.name()))
        }
    }
}

#[tokio::test]
async fn a_gate_decides_before_each_trigger_run_and_its_answer_comes_back() {
    let registry = registry();
    let store = Arc::new(InMemoryWebhookStore::new());
    let webhook = stored_webhook(&store, "bob").await;
    subscribe(&store, &webhook, "bob", "s-bob").await;
    let body = br#"{"ref": "main"}"#;
    let headers = signed(&webhook, "repo.pushed", body);

    let paying = CreditGate { paying: "bob" };
    let dispatcher = Dispatcher::new(&registry, store.clone(), Executor::new()).with_gate(&paying);
    let runs = dispatcher.dispatch("hooky", &webhook.id, &headers, body).await.expect("accepted");
    assert_eq!(runs.len(), 1);
    assert!(runs[0].started);
    assert_eq!(runs[0].admission.as_deref(), Some("charged bob for HookyTriggerBlock"));
    assert_eq!(runs[0].outputs().to_json(), json!({"payload": [{"ref": "main"}]}));

    let broke = CreditGate { paying: "nobody" };
    let dispatcher = Dispatcher::new(&registry, store.clone(), Executor::new()).with_gate(&broke);
    let runs = dispatcher.dispatch("hooky", &webhook.id, &headers, body).await.expect("accepted");
    assert_eq!(runs.len(), 1, "a refused run is still reported");
    assert!(!runs[0].started, "the block did not run");
    assert_eq!(runs[0].admission, None);
    assert_eq!(runs[0].outputs().to_json(), json!({"error": ["bob cannot pay for HookyTriggerBlock"]}));
}

#[tokio::test]
async fn a_trigger_executed_directly_takes_its_hidden_payload_as_a_declared_input() {
    let registry = registry();
    let block = registry.by_name("HookyTriggerBlock").expect("registered");
    let input = json!({"events": {"pushed": true}, "payload": {"ref": "dev"}});
    let prepared = Executor::new().prepare(block, input, RunOptions::default()).await.expect("accepted");
    assert!(prepared.ignored_keys().is_empty(), "`payload` is declared (hidden), never ignored");
    assert_eq!(prepared.start().collect().await.to_json(), json!({"payload": [{"ref": "dev"}]}));
}
