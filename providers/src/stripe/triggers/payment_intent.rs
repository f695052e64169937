//! `StripePaymentIntentTriggerBlock`: runs on PaymentIntent events, such as a
//! payment succeeding or failing.

use block_core::prelude::*;

use super::{event_parts, stripe_event};
use crate::stripe::Stripe;

/// The PaymentIntent events to run on; each one checked subscribes to
/// `payment_intent.<event>`. The Stripe endpoint must send them too.
#[derive(BlockInput, Default)]
pub struct PaymentIntentEvents {
    /// The payment succeeded.
    #[block_input(default = false)]
    pub succeeded: bool,
    /// A payment attempt failed.
    #[block_input(default = false)]
    pub payment_failed: bool,
    /// The payment was canceled.
    #[block_input(default = false)]
    pub canceled: bool,
    /// The payment is processing (a delayed payment method).
    #[block_input(default = false)]
    pub processing: bool,
    /// The customer must act (authenticate the card, for instance).
    #[block_input(default = false)]
    pub requires_action: bool,
    /// A PaymentIntent was created.
    #[block_input(default = false)]
    pub created: bool,
}

/// Inputs of `StripePaymentIntentTriggerBlock`.
#[derive(BlockInput)]
pub struct StripePaymentIntentTriggerInput {
    /// The events to run on.
    #[block_input(event_filter)]
    pub events: PaymentIntentEvents,
    /// The delivered event, filled in by the webhook.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of `StripePaymentIntentTriggerBlock`.
#[derive(BlockOutput)]
pub enum StripePaymentIntentTriggerOutput {
    /// The whole event, as Stripe sent it.
    Payload(Value),
    /// The event's type, e.g. `payment_intent.succeeded`.
    EventType(String),
    /// The event's id, `evt_...` (the same on every retry of it).
    EventId(String),
    /// The PaymentIntent.
    PaymentIntent(Value),
    /// The PaymentIntent's id, `pi_...`.
    PaymentIntentId(String),
}

/// Runs when a Stripe payment succeeds, fails, is canceled, or needs the customer;
/// Stripe delivers the event to an endpoint whose URL is this block's webhook.
/// Give the webhook the endpoint's signing secret.
#[block(
    id = "a3ac570e-3260-4858-862d-897d12ee9452",
    categories(Crm, Input),
    trigger(provider = Stripe, event = "payment_intent"),
    tests = payment_intent_cases
)]
pub struct StripePaymentIntentTriggerBlock;

impl Run for StripePaymentIntentTriggerBlock {
    type Input = StripePaymentIntentTriggerInput;
    type Output = StripePaymentIntentTriggerOutput;

    async fn run(
        &self,
        input: StripePaymentIntentTriggerInput,
        _ctx: &RunContext,
        out: &Emit<StripePaymentIntentTriggerOutput>,
    ) -> Result<(), BlockError> {
        let parts = event_parts(&input.payload)?;
        out.emit(StripePaymentIntentTriggerOutput::Payload(input.payload)).await?;
        out.emit(StripePaymentIntentTriggerOutput::EventType(parts.kind)).await?;
        out.emit(StripePaymentIntentTriggerOutput::EventId(parts.id)).await?;
        out.emit(StripePaymentIntentTriggerOutput::PaymentIntent(parts.object)).await?;
        out.emit(StripePaymentIntentTriggerOutput::PaymentIntentId(parts.object_id)).await
    }
}

/// A PaymentIntent as Stripe's API reference shows one (trimmed).
fn payment_intent(status: &str) -> Value {
    json!({
        "id": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "object": "payment_intent",
        "amount": 2000,
        "amount_received": if status == "succeeded" { 2000 } else { 0 },
        "currency": "usd",
        "customer": "cus_NffrFeUfNV2Hib",
        "last_payment_error": null,
        "livemode": false,
        "metadata": {},
        "status": status,
    })
}

fn payment_intent_cases() -> Vec<TestCase<StripePaymentIntentTriggerBlock>> {
    let on = |events: PaymentIntentEvents| StripePaymentIntentTriggerInput { events, payload: Value::Null };
    let outcomes =
        || on(PaymentIntentEvents { succeeded: true, payment_failed: true, ..PaymentIntentEvents::default() });
    let succeeded = stripe_event("payment_intent.succeeded", payment_intent("succeeded"));
    let failed = stripe_event("payment_intent.payment_failed", payment_intent("requires_payment_method"));
    vec![
        TestCase::delivery("runs when a payment succeeds", outcomes(), "payment_intent.succeeded", succeeded.clone())
            .outputs([
                StripePaymentIntentTriggerOutput::Payload(succeeded.clone()),
                StripePaymentIntentTriggerOutput::EventType("payment_intent.succeeded".into()),
                StripePaymentIntentTriggerOutput::EventId("evt_1NG8Du2eZvKYlo2CUI79vXWy".into()),
                StripePaymentIntentTriggerOutput::PaymentIntent(payment_intent("succeeded")),
                StripePaymentIntentTriggerOutput::PaymentIntentId("pi_3MtwBwLkdIwHu7ix28a3tqPa".into()),
            ]),
        TestCase::delivery(
            "runs when a payment fails too when chosen",
            outcomes(),
            "payment_intent.payment_failed",
            failed,
        )
        .output_where("payload", "the event", |p| p["type"] == "payment_intent.payment_failed")
        .output(StripePaymentIntentTriggerOutput::EventType("payment_intent.payment_failed".into()))
        .output_where("event_id", "the event id", Value::is_string)
        .output_where("payment_intent", "the unpaid intent", |pi| pi["status"] == "requires_payment_method")
        .output(StripePaymentIntentTriggerOutput::PaymentIntentId("pi_3MtwBwLkdIwHu7ix28a3tqPa".into())),
        TestCase::delivery(
            "ignores events that were not chosen",
            outcomes(),
            "payment_intent.created",
            stripe_event("payment_intent.created", payment_intent("requires_payment_method")),
        ),
        TestCase::delivery(
            "refuses a body changed after signing",
            outcomes(),
            "payment_intent.succeeded",
            succeeded.clone(),
        )
        .tampered(),
        TestCase::delivery("refuses an unsigned delivery", outcomes(), "payment_intent.succeeded", succeeded.clone())
            .unsigned(),
        TestCase::delivery(
            "refuses an event signed over five minutes ago",
            outcomes(),
            "payment_intent.succeeded",
            succeeded,
        )
        .replayed(),
    ]
}
