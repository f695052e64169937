//! Webhooks and the trigger subscriptions that use them.

use secrecy::SecretString;
use serde_json::Value;

use super::WebhookKind;
use crate::oauth::random_token;

/// A webhook: where one provider delivers events for one owner and resource.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// Our id; part of the ingress URL.
    pub id: String,
    /// The provider slug.
    pub provider: String,
    /// The user who owns it; only their triggers run on its deliveries.
    pub owner: String,
    /// 32 random bytes, shared with the provider to sign deliveries.
    pub secret: SecretString,
    /// The events subscribed at the provider.
    pub events: Vec<String>,
    /// What it watches, e.g. `owner/repo`.
    pub resource: String,
    /// The credentials used to register it (auto-setup webhooks).
    pub credentials_id: Option<String>,
    /// The provider's id of the hook (auto-setup webhooks).
    pub remote_id: Option<String>,
    /// Manual or auto-setup.
    pub kind: WebhookKind,
}

impl Webhook {
    /// A new webhook with a fresh id and secret.
    pub fn new(
        provider: &str,
        owner: &str,
        kind: WebhookKind,
        resource: &str,
        events: Vec<String>,
        credentials_id: Option<String>,
    ) -> Self {
        Webhook {
            id: random_token(18),
            provider: provider.to_owned(),
            owner: owner.to_owned(),
            secret: random_token(32).into(),
            events,
            resource: resource.to_owned(),
            credentials_id,
            remote_id: None,
            kind,
        }
    }
}

/// A trigger block of one user attached to a webhook, with its configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// Its id.
    pub id: String,
    /// The webhook it listens on.
    pub webhook_id: String,
    /// The user it runs for (always the webhook's owner).
    pub owner: String,
    /// The trigger block's id.
    pub block_id: String,
    /// The events it runs on.
    pub events: Vec<String>,
    /// The block's input apart from `payload`.
    pub input: Value,
}
