//! Property tests: arbitrary JSON at input validation and arbitrary deliveries at
//! the webhook dispatcher never panic and always end in a clear answer.

use std::sync::Arc;

use block_core::http::{HeaderMap, HeaderName, HeaderValue};
use block_core::prelude::*;
use block_core::webhooks::{
    Delivery, DispatchError, Dispatcher, InMemoryWebhookStore, Verified, Webhook, WebhookError, WebhookKind,
    WebhookManager, WebhookStore, hmac_sha256_hex, verify_hmac_sha256_hex,
};
use block_core::{ExecuteError, Executor, Registry, RunOptions};
use proptest::prelude::*;

/// Input with a bit of everything a schema can constrain.
#[derive(BlockInput)]
pub struct RichInput {
    /// A bounded number.
    #[block_input(min = 0, max = 100)]
    pub count: u32,
    /// A bounded text.
    #[block_input(min_length = 1, max_length = 20)]
    pub name: String,
    /// An optional list.
    pub tags: Option<Vec<String>>,
    /// A choice.
    #[block_input(default = "a")]
    pub mode: Mode,
}

/// Two modes.
#[derive(BlockEnum)]
pub enum Mode {
    /// The first.
    A,
    /// The second.
    B,
}

/// Output of the rich block.
#[derive(BlockOutput)]
pub enum RichOutput {
    /// The count.
    Count(u32),
}

/// Echoes its count.
#[block(id = "4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b", categories(Basic), untested = "property-tested in this file")]
pub struct RichBlock;

impl Run for RichBlock {
    type Input = RichInput;
    type Output = RichOutput;
    async fn run(&self, input: RichInput, _ctx: &RunContext, out: &Emit<RichOutput>) -> Result<(), BlockError> {
        out.emit(RichOutput::Count(input.count)).await
    }
}

/// Signed with `x-sig: <hex>`, events in `x-event`.
#[derive(Default)]
pub struct SigManager;

#[block_core::async_trait]
impl WebhookManager for SigManager {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Manual
    }
    fn verify(&self, webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Verified, WebhookError> {
        let signature = headers.get("x-sig").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if verify_hmac_sha256_hex(webhook.secret.expose_secret().as_bytes(), body, signature) {
            Ok(Verified::signature_checked())
        } else {
            Err(WebhookError::BadSignature("mismatch".into()))
        }
    }
    fn parse(&self, _: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let event = headers.get("x-event").and_then(|v| v.to_str().ok()).unwrap_or("none").to_owned();
        let payload = serde_json::from_slice(body).map_err(|e| WebhookError::BadPayload(e.to_string()))?;
        Ok(Delivery { event, payload })
    }
    fn sign_delivery(&self, webhook: &Webhook, event: &str, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let signature = hmac_sha256_hex(webhook.secret.expose_secret().as_bytes(), body);
        headers.insert("x-sig", HeaderValue::from_str(&signature).expect("hex"));
        if let Ok(event) = HeaderValue::from_str(event) {
            headers.insert("x-event", event);
        }
        headers
    }
}

/// A provider whose deliveries are signed.
#[provider(name = "sig", api_key, webhooks(manual, manager = SigManager))]
pub struct Sig;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("count".to_owned()),
                    Just("name".to_owned()),
                    Just("tags".to_owned()),
                    Just("mode".to_owned()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..6
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_input_is_run_or_refused_with_located_problems(input in json_value()) {
        let registry = Registry::builder().block::<RichBlock>().build().expect("valid");
        let block = registry.by_name("RichBlock").expect("registered");
        let result = runtime().block_on(async {
            match Executor::new().execute(block, input.clone(), RunOptions::default()).await {
                Ok(execution) => Ok(execution.collect().await),
                Err(error) => Err(error),
            }
        });
        match result {
            Ok(outputs) => prop_assert!(outputs.is_success(), "{outputs:?}"),
            Err(ExecuteError::InvalidInput { problems, .. }) => {
                prop_assert!(!problems.is_empty());
                for problem in problems {
                    prop_assert!(problem.path.is_empty() || problem.path.starts_with('/'), "{problem}");
                    prop_assert!(!problem.message.is_empty());
                }
            }
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }

    #[test]
    fn arbitrary_deliveries_are_refused_or_dispatched_never_a_panic(
        body in prop::collection::vec(any::<u8>(), 0..512),
        headers in prop::collection::vec(("[a-z-]{1,12}", "[ -~]{0,40}"), 0..6),
        sign in any::<bool>(),
        known_id in any::<bool>(),
    ) {
        let registry = Registry::builder().provider::<Sig>().build().expect("valid");
        let store = InMemoryWebhookStore::new();
        let webhook = Webhook::new("sig", "alice", WebhookKind::Manual, "r", vec!["push".into()], None);
        let mut map = HeaderMap::new();
        for (name, value) in &headers {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str())) {
                map.append(name, value);
            }
        }
        if sign {
            map.extend(SigManager.sign_delivery(&webhook, "push", &body));
        }
        let id = if known_id { webhook.id.clone() } else { "unknown".to_owned() };
        let outcome = runtime().block_on(async {
            store.put_webhook(webhook.clone()).await.expect("stored");
            Dispatcher::new(&registry, Arc::new(store), Executor::new()).with_max_body_bytes(256).dispatch("sig", &id, &map, &body).await
        });
        match outcome {
            Ok(runs) => prop_assert!(runs.is_empty(), "no subscriptions, nothing runs"),
            Err(DispatchError::TooLarge { .. }) => prop_assert!(body.len() > 256),
            Err(DispatchError::NotFound) => prop_assert!(!known_id),
            Err(DispatchError::BadSignature(_)) => prop_assert!(!sign),
            Err(DispatchError::BadPayload(message)) => prop_assert!(!message.is_empty()),
            Err(other) => prop_assert!(false, "unexpected {other}"),
        }
    }
}
