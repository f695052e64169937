//! Trigger cases: a payload fixture delivered, signed the way the provider signs
//! it, through the real verify -> parse -> dispatch path.

use std::sync::Arc;

use serde_json::Value;

use super::TEST_USER;
use super::case::TestCase;
use super::report::CaseFailure;
use crate::webhooks::{DispatchError, Dispatcher, InMemoryWebhookStore, Subscription, Webhook, WebhookStore};
use crate::{Block, Executor, Registry};

/// What a trigger case delivers.
pub(crate) struct DeliveryCase {
    event: String,
    payload: Value,
}

impl<B: Block> TestCase<B> {
    /// A trigger case: subscribes the block, configured by `input` (its `payload`
    /// field is ignored), to a test webhook, then delivers `payload` as event `event`,
    /// signed with the webhook's secret by the provider's own manager, through the
    /// dispatcher. Expect the triggered run's outputs as usual; expect none when the
    /// configuration does not subscribe to `event`.
    pub fn delivery(name: impl Into<String>, input: B::Input, event: &str, payload: Value) -> Self {
        let mut case = TestCase::new(name, input);
        case.delivery = Some(DeliveryCase { event: event.to_owned(), payload });
        case
    }

    /// Alters the delivered body after it was signed: the case then expects the
    /// delivery to be refused as badly signed, with nothing run (so it expects no
    /// outputs). Only for [`delivery`](TestCase::delivery) cases.
    pub fn tampered(mut self) -> Self {
        self.tampered = true;
        self
    }
}

/// Runs a trigger case.
pub(super) async fn run<B: Block>(
    registry: &Registry,
    case: TestCase<B>,
    executor: Executor,
) -> Result<(), CaseFailure> {
    let name = case.name.clone();
    let fail = |message: String| CaseFailure::new(&name, message);
    let Some(delivery) = &case.delivery else { return Err(fail("not a delivery case".into())) };
    let trigger =
        B::DESCRIPTOR.trigger.ok_or_else(|| fail(format!("{} is not a trigger block", B::DESCRIPTOR.name)))?;
    let spec = registry
        .provider(trigger.provider)
        .and_then(|provider| provider.webhooks)
        .ok_or_else(|| fail(format!("provider `{}` has no webhooks", trigger.provider)))?;
    let manager = (spec.manager)();

    let mut config = case.input_json().map_err(&fail)?;
    if let Value::Object(fields) = &mut config {
        fields.remove("payload");
    }
    let events = registry.by_id(B::DESCRIPTOR.id).map(|block| block.trigger_events(&config)).unwrap_or_default();
    let webhook = Webhook::new(trigger.provider, TEST_USER, spec.kind, "test/resource", events.clone(), None);
    let store = InMemoryWebhookStore::new();
    let stored = async {
        store.put_webhook(webhook.clone()).await?;
        store
            .put_subscription(Subscription {
                id: "test-subscription".into(),
                webhook_id: webhook.id.clone(),
                owner: TEST_USER.into(),
                block_id: B::DESCRIPTOR.id.into(),
                events,
                input: config,
            })
            .await
    };
    stored.await.map_err(|error| fail(error.to_string()))?;

    let mut body = serde_json::to_vec(&delivery.payload).map_err(|error| fail(error.to_string()))?;
    let headers = manager.sign_delivery(&webhook, &delivery.event, &body);
    if case.tampered {
        body.extend_from_slice(b" ");
    }
    let dispatched = Dispatcher::new(registry, Arc::new(store), executor)
        .with_max_body_bytes(25 << 20)
        .dispatch(trigger.provider, &webhook.id, &headers, &body)
        .await;
    match (case.tampered, dispatched) {
        (true, Err(DispatchError::BadSignature(_))) => Ok(()),
        (true, Ok(runs)) => Err(fail(format!("the tampered delivery was accepted and ran {} trigger(s)", runs.len()))),
        (_, Err(error)) => Err(fail(format!("the delivery was refused: {error}"))),
        (false, Ok(runs)) => {
            let events: Vec<_> = runs.into_iter().flat_map(|run| run.events).collect();
            case.check_events(&events)
        }
    }
}
