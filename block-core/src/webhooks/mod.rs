//! Webhooks and trigger blocks.
//!
//! A provider that sends webhooks declares a [`WebhookManager`] on its
//! `#[provider(webhooks = ...)]`. The manager verifies deliveries (it must: there is
//! no default, and a provider that signs nothing has to say so), parses them into an
//! event type and a payload, and, for auto-setup webhooks, registers and removes
//! hooks at the remote service. [`Webhooks`] keeps the lifecycle (subscribe, reuse,
//! unsubscribe, reconcile) over a [`WebhookStore`]; the [`Dispatcher`] takes a raw
//! delivery through verify -> parse -> run every subscribed trigger block of the
//! webhook's owner.
//!
//! Beyond a signature over headers and body, a manager can say where the secret
//! comes from ([`SecretSource`]: ours, or one the provider issues and the user
//! gives), verify with the public URL a delivery was sent to
//! ([`WebhookManager::verify_request`]), answer the provider with a reply of its
//! own ([`WebhookManager::answer`], surfaced as [`Received::reply`]), and sign
//! deliveries at a chosen time for tests ([`WebhookManager::sign_request`]).
//!
//! This module must never parse a delivery before verifying it, run a trigger of
//! another owner, or reveal whether a webhook id exists to a caller who names the
//! wrong provider.

mod dispatch;
mod lifecycle;
mod manager;
mod model;
mod reply;
mod request;
mod secret;
mod signature;
mod store;

pub use dispatch::{Accepted, DispatchError, Dispatcher, PlannedTrigger, Received, TriggerGate, TriggerRun};
pub use lifecycle::{Webhooks, ingress_path, manager_of};
pub use manager::{Delivery, RemoteHook, Verified, WebhookKind, WebhookManager, WebhookSpec};
pub use model::{GraphTarget, Subscription, Webhook};
pub use reply::{Answer, WebhookReply};
pub use request::{DeliveryDraft, IngressRequest, SignedDelivery};
pub use secret::{MAX_SECRET_LEN, SecretSource};
pub use signature::{
    check_signed_time, hmac_sha1_base64, hmac_sha256_hex, unix_seconds, verify_hmac_sha1_base64, verify_hmac_sha256_hex,
};
pub use store::{InMemoryWebhookStore, WebhookStore};

/// Why a webhook operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The delivery's signature is missing or wrong.
    #[error("the webhook signature is invalid: {0}")]
    BadSignature(String),
    /// The delivery could not be understood.
    #[error("the webhook delivery is malformed: {0}")]
    BadPayload(String),
    /// The manager cannot do this (e.g. register a manual webhook).
    #[error("{0}")]
    Unsupported(String),
    /// A call to the remote service failed.
    #[error(transparent)]
    Http(#[from] crate::http::HttpError),
    /// The store failed.
    #[error("the webhook store failed: {0}")]
    Store(String),
    /// The block or provider is not a webhook trigger or source.
    #[error("{0}")]
    Invalid(String),
}
