//! Trigger cases: a payload fixture delivered, signed the way the provider signs
//! it, through the real verify -> parse -> dispatch path.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::TEST_USER;
use super::case::TestCase;
use super::kinds::{DeliveryCase, Refusal};
use super::report::CaseFailure;
use crate::oauth::random_token;
use crate::webhooks::{
    DeliveryDraft, DispatchError, Dispatcher, InMemoryWebhookStore, Subscription, Webhook, WebhookReply, WebhookStore,
    ingress_path,
};
use crate::{Block, Executor, Registry};

/// The public base URL trigger cases deliver to; managers that sign the URL
/// (Twilio) sign `https://blocks.test/api/integrations/<provider>/webhooks/<id>/ingress`.
pub const TEST_PUBLIC_URL: &str = "https://blocks.test";

/// How far outside its manager's tolerance a replayed case is signed.
const REPLAY_MARGIN: Duration = Duration::from_secs(60);

impl<B: Block> TestCase<B> {
    /// A trigger case: subscribes the block, configured by `input` (its `payload`
    /// field is ignored), to a test webhook, then delivers `payload` as event `event`,
    /// made and signed with the webhook's secret by the provider's own manager
    /// ([`WebhookManager::sign_request`](crate::webhooks::WebhookManager::sign_request)),
    /// to the webhook's URL below [`TEST_PUBLIC_URL`], through the dispatcher.
    /// Expect the triggered run's outputs as usual; expect none when the
    /// configuration does not subscribe to `event`.
    pub fn delivery(name: impl Into<String>, input: B::Input, event: &str, payload: Value) -> Self {
        let mut case = TestCase::new(name, input);
        case.delivery = Some(DeliveryCase { event: event.to_owned(), payload, reply: None });
        case
    }

    /// Alters the delivered body after it was signed: the case then expects the
    /// delivery to be refused as badly signed, with nothing run (so it expects no
    /// outputs). Only for [`delivery`](TestCase::delivery) cases, like the other
    /// refusals below.
    pub fn tampered(self) -> Self {
        self.refused(Refusal::Tampered)
    }

    /// Delivers without the signature (only the content type is kept): the case
    /// expects the delivery to be refused, with nothing run.
    pub fn unsigned(self) -> Self {
        self.refused(Refusal::Unsigned)
    }

    /// Signs the delivery a minute longer ago than the manager's
    /// [`tolerance`](crate::webhooks::WebhookManager::tolerance): the case expects
    /// it to be refused as a replay. A manager whose scheme signs no time cannot
    /// tell a replay, so such a case fails.
    pub fn replayed(self) -> Self {
        self.refused(Refusal::Replayed)
    }

    /// Signs the delivery with a secret other than the webhook's: the case expects
    /// it to be refused, with nothing run.
    pub fn signed_with_another_secret(self) -> Self {
        self.refused(Refusal::WrongSecret)
    }

    /// Expects the manager to answer the provider with `reply` (Slack's challenge,
    /// Twilio's TwiML) in place of the server's own answer.
    pub fn replies(mut self, reply: WebhookReply) -> Self {
        match &mut self.delivery {
            Some(delivery) => delivery.reply = Some(reply),
            None => self.misuse.push(
                "`replies()` describes the answer to a delivery; this case delivers nothing (use `TestCase::delivery`)"
                    .into(),
            ),
        }
        self
    }

    fn refused(mut self, refusal: Refusal) -> Self {
        if let Some(earlier) = self.refusal.replace(refusal) {
            self.misuse.push(format!(
                "`{}` and `{}` both spoil the delivery; a case tests one refusal",
                earlier.call(),
                refusal.call()
            ));
        }
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
                graph: None,
            })
            .await
    };
    stored.await.map_err(|error| fail(error.to_string()))?;

    let signed_at = match case.refusal {
        Some(Refusal::Replayed) => {
            let tolerance = manager.tolerance().ok_or_else(|| {
                fail(format!(
                    "`{}` deliveries carry no signed time, so a replay cannot be told from a fresh delivery; \
                     drop this case",
                    trigger.provider
                ))
            })?;
            SystemTime::now() - tolerance - REPLAY_MARGIN
        }
        _ => SystemTime::now(),
    };
    let mut signer = webhook.clone();
    if let Some(Refusal::WrongSecret) = case.refusal {
        signer.secret = random_token(32).into();
    }
    let url = format!("{TEST_PUBLIC_URL}{}", ingress_path(trigger.provider, &webhook.id));
    let draft = DeliveryDraft::new(&url, &delivery.event, &delivery.payload, signed_at);
    let mut signed = manager
        .sign_request(&signer, &draft)
        .map_err(|error| fail(format!("the manager could not make the delivery: {error}")))?;
    match case.refusal {
        Some(Refusal::Tampered) => signed.body.extend_from_slice(b" "),
        Some(Refusal::Unsigned) => {
            let content_type = signed.headers.remove(http::header::CONTENT_TYPE);
            signed.headers.clear();
            if let Some(content_type) = content_type {
                signed.headers.insert(http::header::CONTENT_TYPE, content_type);
            }
        }
        _ => {}
    }
    let received = Dispatcher::new(registry, Arc::new(store), executor)
        .with_max_body_bytes(25 << 20)
        .with_public_url(TEST_PUBLIC_URL)
        .receive(trigger.provider, &webhook.id, &signed.headers, &signed.body)
        .await;
    match (case.refusal, received) {
        (Some(_), Err(DispatchError::BadSignature(_))) => Ok(()),
        (Some(refusal), Ok(received)) => {
            Err(fail(format!("{} was accepted and ran {} trigger(s)", refusal.describe(), received.runs.len())))
        }
        (_, Err(error)) => Err(fail(format!("the delivery was refused: {error}"))),
        (None, Ok(received)) => {
            if let Some(expected) = &delivery.reply
                && received.reply.as_ref() != Some(expected)
            {
                return Err(fail(format!(
                    "expected the reply {} {:?}: {:?}\n  got {}",
                    expected.status,
                    expected.content_type,
                    expected.body_text(),
                    received.reply.map_or_else(
                        || "no reply".to_owned(),
                        |r| format!("{} {:?}: {:?}", r.status, r.content_type, r.body_text())
                    )
                )));
            }
            let events: Vec<_> = received.runs.into_iter().flat_map(|run| run.events).collect();
            case.check_events(&events)
        }
    }
}
