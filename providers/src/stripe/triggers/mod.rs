//! Stripe's trigger blocks, one per kind of object, each with an event filter of
//! that object's events; and what they share: reading an event, and the event
//! fixtures their cases deliver.

mod checkout_session;
mod payment_intent;

use block_core::prelude::*;

pub use checkout_session::{
    CheckoutSessionEvents, StripeCheckoutSessionTriggerBlock, StripeCheckoutSessionTriggerInput,
    StripeCheckoutSessionTriggerOutput,
};
pub use payment_intent::{
    PaymentIntentEvents, StripePaymentIntentTriggerBlock, StripePaymentIntentTriggerInput,
    StripePaymentIntentTriggerOutput,
};

/// The parts of a Stripe event every trigger emits.
struct EventParts {
    /// `type`, e.g. `checkout.session.completed`.
    kind: String,
    /// The event's id, `evt_...`.
    id: String,
    /// `data.object`: the object the event is about.
    object: Value,
    /// The object's id.
    object_id: String,
}

/// Reads `payload`, a delivered Stripe event; a missing part fails the run with a
/// message naming it.
fn event_parts(payload: &Value) -> Result<EventParts, BlockError> {
    let text = |value: &Value, path: &str| {
        value.as_str().map(str::to_owned).ok_or_else(|| BlockError::new(format!("the Stripe event has no `{path}`")))
    };
    let object = payload["data"]["object"].clone();
    Ok(EventParts {
        kind: text(&payload["type"], "type")?,
        id: text(&payload["id"], "id")?,
        object_id: text(&object["id"], "data.object.id")?,
        object,
    })
}

/// A Stripe event of `kind` about `object`, as Stripe delivers it.
fn stripe_event(kind: &str, object: Value) -> Value {
    json!({
        "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy",
        "object": "event",
        "api_version": "2022-11-15",
        "created": 1686089970,
        "data": {"object": object},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": kind,
    })
}
