//! `setup-agent` with `setup_type: "webhook"`: a store agent whose graph starts
//! with a webhook trigger node, set up to run for the caller on each delivery.
//!
//! As a schedule does, it runs the caller's own copy of the agent (their
//! library), with their inputs, their matching credentials (the trigger node's
//! register the webhook at providers that take registrations) and their
//! credits. The answer carries the ingress URL, never a signing secret: a
//! manual webhook's secret is set by its owner (`PUT /webhooks/{id}/secret`).

use block_core::SecretString;
use block_core::webhooks::WebhookKind;
use serde_json::{Map, Value, json};

use super::resolve::Resolved;
use super::response::{ToolResponse, WebhookCreated};
use super::setup::{Readiness, readiness, refused, requirements};
use super::setup_agent::{SetupRequest, library_copy};
use crate::domain::User;
use crate::services::graph_triggers::{self, GraphTrigger};
use crate::services::triggers::TriggerOptions;
use crate::services::{AppState, Refusal, ServiceError};

/// Sets the store agent up to run on its trigger node's webhook.
pub(super) async fn setup_webhook(
    state: &AppState,
    user: &User,
    resolved: &Resolved,
    request: SetupRequest,
) -> Result<ToolResponse, ServiceError> {
    let config = match WebhookConfig::read(request.webhook_config) {
        Ok(config) => config,
        Err(problems) => {
            return Ok(ToolResponse::invalid(
                "webhook_config has values of the wrong type",
                "invalid_webhook_config",
                json!({"problems": problems}),
            ));
        }
    };
    let ready: Readiness = readiness(state, user, &resolved.graph, &request.inputs).await?;
    let name = resolved.agent.listing.latest.name.clone();
    if !ready.ready() {
        let message = format!("Agent '{name}' cannot be set up yet: it needs {}", ready.lacking());
        return Ok(requirements(state, resolved, ready, message));
    }
    let copy = library_copy(state, user, resolved).await?;
    let trigger =
        GraphTrigger { node_values: config.node_values, node_input: request.inputs, credentials_inputs: ready.chosen };
    let how = TriggerOptions { resource: config.resource, credentials_id: None, webhook_secret: config.secret };
    let subscribed = match graph_triggers::subscribe_stored(state, &user.id, &copy, trigger, how).await {
        Ok(subscribed) => subscribed,
        Err(error) if error.refusal() == Refusal::BadGateway => {
            return Ok(ToolResponse::error(error.message().to_owned(), error.code()));
        }
        Err(error) => return refused(state, user, error).await,
    };
    let webhook = &subscribed.webhook;
    let url = state.webhooks().ingress_url(webhook);
    let setup = match webhook.kind {
        WebhookKind::Auto => format!("It is registered at {}, which sends its events there.", webhook.provider),
        WebhookKind::Manual => format!(
            "Give {} this URL in its webhook settings, and give this server the signing secret with PUT \
             /external-api/v1/webhooks/{}/secret.",
            webhook.provider, webhook.id
        ),
    };
    let label = if request.name.trim().is_empty() { name.clone() } else { request.name.trim().to_owned() };
    Ok(ToolResponse::WebhookCreated(WebhookCreated {
        message: format!(
            "Agent '{name}' now runs on each {} event delivered to {url}. {setup} See it in GET \
             /external-api/v1/triggers; do not run this tool again unless asked to set the agent up again.",
            webhook.provider
        ),
        session_id: None,
        webhook_id: webhook.id.clone(),
        webhook_url: url,
        preset_id: Some(subscribed.subscription.id.clone()),
        name: label,
        graph_id: copy.id,
        graph_name: copy.name,
    }))
}

/// `webhook_config`, read: what belongs to the webhook, and the trigger
/// node's values.
struct WebhookConfig {
    resource: String,
    secret: Option<SecretString>,
    node_values: Map<String, Value>,
}

impl WebhookConfig {
    /// The config, or the problems of its values (JSON pointer and message).
    fn read(mut fields: Map<String, Value>) -> Result<Self, Vec<Value>> {
        let mut problems = Vec::new();
        let mut text = |key: &str| match fields.remove(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text),
            Some(_) => {
                problems.push(json!({"path": format!("/webhook_config/{key}"), "message": "must be a string"}));
                None
            }
        };
        let resource = text("resource").unwrap_or_default();
        let secret = text("webhook_secret").map(SecretString::from);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(WebhookConfig { resource: resource.trim().to_owned(), secret, node_values: fields })
    }
}
