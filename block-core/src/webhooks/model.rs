//! Webhooks and the trigger subscriptions that use them.

use secrecy::SecretString;
use serde_json::{Map, Value};

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

/// A trigger block of one user attached to a webhook, with its configuration:
/// on its own (each delivery runs the block), or as the trigger node of a graph
/// (each delivery runs the graph, see [`GraphTarget`]).
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
    /// The block's input apart from `payload` (for a graph's trigger node: the
    /// node's whole input but the payload, its `input_default` included).
    pub input: Value,
    /// The graph whose trigger node this is, when a delivery runs a graph
    /// rather than the block alone.
    pub graph: Option<GraphTarget>,
}

/// The graph a subscription starts: its trigger node (a node of the
/// subscription's trigger block) takes the delivery's `payload`, and its outputs
/// feed the rest of the graph along the links.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphTarget {
    /// The graph's id.
    pub graph_id: String,
    /// The version each delivery runs.
    pub graph_version: u32,
    /// The trigger node's id.
    pub node_id: String,
    /// Values of the graph's inputs, by name, for every run (a server may keep
    /// secret ones sealed).
    pub node_input: Map<String, Value>,
    /// Credentials meta objects for the graph's credentials inputs, by key.
    pub credentials_inputs: Map<String, Value>,
}
