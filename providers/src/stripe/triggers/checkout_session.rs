//! `StripeCheckoutSessionTriggerBlock`: runs on Checkout Session events, such as a
//! payment link paid.

use block_core::prelude::*;

use super::{event_parts, stripe_event};
use crate::stripe::Stripe;

/// The Checkout Session events to run on; each one checked subscribes to
/// `checkout.session.<event>`. The Stripe endpoint must send them too.
#[derive(BlockInput, Default)]
pub struct CheckoutSessionEvents {
    /// The customer finished checking out (a payment link or Checkout page was paid,
    /// or a payment method set up).
    #[block_input(default = false)]
    pub completed: bool,
    /// The session expired before it was completed.
    #[block_input(default = false)]
    pub expired: bool,
    /// A delayed payment method (a bank debit) succeeded after checkout.
    #[block_input(default = false)]
    pub async_payment_succeeded: bool,
    /// A delayed payment method failed after checkout.
    #[block_input(default = false)]
    pub async_payment_failed: bool,
}

/// Inputs of `StripeCheckoutSessionTriggerBlock`.
#[derive(BlockInput)]
pub struct StripeCheckoutSessionTriggerInput {
    /// The events to run on.
    #[block_input(event_filter)]
    pub events: CheckoutSessionEvents,
    /// The delivered event, filled in by the webhook.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of `StripeCheckoutSessionTriggerBlock`.
#[derive(BlockOutput)]
pub enum StripeCheckoutSessionTriggerOutput {
    /// The whole event, as Stripe sent it.
    Payload(Value),
    /// The event's type, e.g. `checkout.session.completed`.
    EventType(String),
    /// The event's id, `evt_...` (the same on every retry of it).
    EventId(String),
    /// The Checkout Session.
    Session(Value),
    /// The session's id, `cs_...`.
    SessionId(String),
}

/// Runs when a Stripe Checkout Session is completed (a payment link paid), expires,
/// or its delayed payment succeeds or fails; Stripe delivers the event to an
/// endpoint whose URL is this block's webhook. Give the webhook the endpoint's
/// signing secret.
#[block(
    id = "b63fd550-e50c-4b42-858d-0f666389f1cc",
    categories(Crm, Input),
    trigger(provider = Stripe, event = "checkout.session"),
    tests = checkout_session_cases
)]
pub struct StripeCheckoutSessionTriggerBlock;

impl Run for StripeCheckoutSessionTriggerBlock {
    type Input = StripeCheckoutSessionTriggerInput;
    type Output = StripeCheckoutSessionTriggerOutput;

    async fn run(
        &self,
        input: StripeCheckoutSessionTriggerInput,
        _ctx: &RunContext,
        out: &Emit<StripeCheckoutSessionTriggerOutput>,
    ) -> Result<(), BlockError> {
        let parts = event_parts(&input.payload)?;
        out.emit(StripeCheckoutSessionTriggerOutput::Payload(input.payload)).await?;
        out.emit(StripeCheckoutSessionTriggerOutput::EventType(parts.kind)).await?;
        out.emit(StripeCheckoutSessionTriggerOutput::EventId(parts.id)).await?;
        out.emit(StripeCheckoutSessionTriggerOutput::Session(parts.object)).await?;
        out.emit(StripeCheckoutSessionTriggerOutput::SessionId(parts.object_id)).await
    }
}

/// A Checkout Session of a paid payment link, as Stripe's API reference shows one
/// (trimmed).
fn session(status: &str, payment_status: &str) -> Value {
    json!({
        "id": "cs_test_a1Ae6ClgOkjygKwrf9B3L6ITtUuZW4Xx9FivL6DZYoYFdfAefQxsYpJJd3",
        "object": "checkout.session",
        "amount_subtotal": 2000,
        "amount_total": 2000,
        "currency": "usd",
        "customer": "cus_NffrFeUfNV2Hib",
        "customer_details": {"email": "jennyrosen@example.com", "name": "Jenny Rosen"},
        "livemode": false,
        "mode": "payment",
        "payment_intent": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "payment_link": "plink_1MoC3ULkdIwHu7ixZjtGpVl2",
        "payment_status": payment_status,
        "status": status,
        "url": null,
    })
}

fn checkout_session_cases() -> Vec<TestCase<StripeCheckoutSessionTriggerBlock>> {
    let on = |events: CheckoutSessionEvents| StripeCheckoutSessionTriggerInput { events, payload: Value::Null };
    let completions = || on(CheckoutSessionEvents { completed: true, ..CheckoutSessionEvents::default() });
    let paid = session("complete", "paid");
    let completed = stripe_event("checkout.session.completed", paid.clone());
    let expired = stripe_event("checkout.session.expired", session("expired", "unpaid"));
    vec![
        TestCase::delivery(
            "runs when a payment link is paid",
            completions(),
            "checkout.session.completed",
            completed.clone(),
        )
        .outputs([
            StripeCheckoutSessionTriggerOutput::Payload(completed.clone()),
            StripeCheckoutSessionTriggerOutput::EventType("checkout.session.completed".into()),
            StripeCheckoutSessionTriggerOutput::EventId("evt_1NG8Du2eZvKYlo2CUI79vXWy".into()),
            StripeCheckoutSessionTriggerOutput::Session(paid),
            StripeCheckoutSessionTriggerOutput::SessionId(
                "cs_test_a1Ae6ClgOkjygKwrf9B3L6ITtUuZW4Xx9FivL6DZYoYFdfAefQxsYpJJd3".into(),
            ),
        ]),
        TestCase::delivery("ignores events that were not chosen", completions(), "checkout.session.expired", expired),
        TestCase::delivery(
            "refuses a body changed after signing",
            completions(),
            "checkout.session.completed",
            completed.clone(),
        )
        .tampered(),
        TestCase::delivery(
            "refuses an unsigned delivery",
            completions(),
            "checkout.session.completed",
            completed.clone(),
        )
        .unsigned(),
        TestCase::delivery(
            "refuses an event signed over five minutes ago",
            completions(),
            "checkout.session.completed",
            completed.clone(),
        )
        .replayed(),
        TestCase::delivery(
            "refuses an event signed with another endpoint's secret",
            completions(),
            "checkout.session.completed",
            completed,
        )
        .signed_with_another_secret(),
    ]
}
