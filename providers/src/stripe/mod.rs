//! Stripe, as one module: the provider, the API client, the webhook manager and
//! the blocks.
//!
//! Written against Stripe's documentation: the API reference for customers
//! (<https://docs.stripe.com/api/customers/create>), payment links
//! (<https://docs.stripe.com/api/payment-link/create>), authentication and form
//! encoding (<https://docs.stripe.com/api/authentication>), errors
//! (<https://docs.stripe.com/api/errors>) and rate limits
//! (<https://docs.stripe.com/rate-limits>); events (<https://docs.stripe.com/api/events>)
//! and webhook signatures (<https://docs.stripe.com/webhooks#verify-manually>),
//! whose manual steps the signature tests follow with a known secret and time.
//!
//! - [`Stripe`], the provider: a secret key (`STRIPE_API_KEY` for the platform
//!   default), the trusted origin `https://api.stripe.com`.
//! - [`StripeClient`] (`client.rs`): the key as `Bearer`, form-encoded bodies with
//!   bracketed nested parameters ([`form`]), error statuses and codes mapped to
//!   [`StripeError`].
//! - [`StripeWebhookManager`] (`webhooks.rs`): manual endpoints signed with the
//!   `whsec_...` secret Stripe issues (the user gives it), `Stripe-Signature`
//!   (`t=`, one or more `v1=`) and a five-minute window.
//! - Blocks: [`StripeCreateCustomerBlock`], [`StripeCreatePaymentLinkBlock`];
//!   triggers: [`StripeCheckoutSessionTriggerBlock`],
//!   [`StripePaymentIntentTriggerBlock`].
//!
//! Nothing here prints a key or a signing secret, or sends a key anywhere but
//! `https://api.stripe.com`.

mod blocks;
mod client;
mod error;
mod triggers;
mod webhooks;

use block_core::prelude::*;

pub use blocks::{
    StripeCreateCustomerBlock, StripeCreateCustomerInput, StripeCreateCustomerOutput, StripeCreatePaymentLinkBlock,
    StripeCreatePaymentLinkInput, StripeCreatePaymentLinkOutput,
};
pub use client::{StripeClient, form};
pub use error::StripeError;
pub use triggers::{
    CheckoutSessionEvents, PaymentIntentEvents, StripeCheckoutSessionTriggerBlock, StripeCheckoutSessionTriggerInput,
    StripeCheckoutSessionTriggerOutput, StripePaymentIntentTriggerBlock, StripePaymentIntentTriggerInput,
    StripePaymentIntentTriggerOutput,
};
pub use webhooks::{StripeWebhookManager, stripe_signature};

/// Stripe (`https://api.stripe.com`), reached with a secret key.
///
/// Setting `STRIPE_API_KEY` gives every user platform default credentials. The
/// triggers take the signing secret Stripe issues for an endpoint added by hand.
#[provider(
    name = "stripe",
    display_name = "Stripe",
    api_key(env = "STRIPE_API_KEY"),
    trusted_origins = ["https://api.stripe.com"],
    webhooks(manual, manager = StripeWebhookManager),
)]
pub struct Stripe;

#[cfg(test)]
mod tests {
    use block_core::provider::env_example;
    use block_core::webhooks::WebhookManager;
    use block_core::{Provider, Registry};

    use super::*;

    #[test]
    fn the_provider_takes_a_secret_key_and_its_endpoints_secret() {
        let descriptor = Stripe::DESCRIPTOR;
        assert_eq!(descriptor.trusted_origins, ["https://api.stripe.com"]);
        assert!(env_example([descriptor]).contains("\nSTRIPE_API_KEY=\n"));
        assert!(StripeWebhookManager.secret_source().describe().contains("whsec_"));
    }

    #[test]
    fn the_triggers_subscribe_to_stripes_own_event_names() {
        let registry = Registry::builder()
            .block::<StripeCheckoutSessionTriggerBlock>()
            .block::<StripePaymentIntentTriggerBlock>()
            .build()
            .expect("valid");
        let checkout = registry.by_name("StripeCheckoutSessionTriggerBlock").expect("registered");
        let events = checkout.trigger_events(&json!({"events": {"completed": true, "async_payment_failed": true}}));
        assert_eq!(events, ["checkout.session.completed", "checkout.session.async_payment_failed"]);
        let payments = registry.by_name("StripePaymentIntentTriggerBlock").expect("registered");
        assert_eq!(
            payments.trigger_events(&json!({"events": {"payment_failed": true}})),
            ["payment_intent.payment_failed"]
        );
    }
}
