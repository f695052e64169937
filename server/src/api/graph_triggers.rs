//! `POST /graphs/{id}/triggers`: a graph started by a webhook, through its
//! trigger node. Listed and deleted with the other trigger subscriptions
//! (`/triggers`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use block_core::SecretString;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::extract::{Authed, JsonBody};
use super::webhooks::{TriggerItem, created_item};
use super::{ApiError, ErrorBody};
use crate::services::AppState;
use crate::services::graph_triggers::{self, GraphTrigger};
use crate::services::triggers::TriggerOptions;

/// What `POST /graphs/{id}/triggers` takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGraphTrigger {
    /// The graph version each delivery runs.
    pub graph_version: u32,
    /// Values of the trigger node's inputs over its `input_default` (its event
    /// filter, its credentials), without `payload`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub input: Option<Map<String, Value>>,
    /// Values of the graph's inputs, by name, for every run.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub node_input: Map<String, Value>,
    /// Stored credentials (`{id, provider, type}`) for the graph's credentials
    /// inputs, by key (see its `credentials_input_schema`); the trigger node's
    /// also register its webhook.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub credentials_inputs: Map<String, Value>,
    /// What the webhook watches, e.g. `owner/repo`; empty for manual webhooks.
    #[serde(default)]
    pub resource: String,
    /// Credentials to register the webhook with, when neither the trigger node
    /// nor `credentials_inputs` names any.
    #[serde(default)]
    pub credentials_id: Option<String>,
    /// For a provider that issues its own signing secret: that secret (it can
    /// also be given later: `PUT /webhooks/{id}/secret`).
    #[serde(default)]
    #[schema(write_only)]
    pub webhook_secret: Option<String>,
}

/// Subscribes a graph's trigger node to a webhook, created (and registered at
/// the provider, for auto-setup ones) or reused; each delivery runs the graph.
#[utoipa::path(post, path = "/external-api/v1/graphs/{id}/triggers", tag = "graphs",
    operation_id = "create_graph_trigger",
    summary = "Start a graph on each webhook delivery to its trigger node (webhook created or reused)",
    params(("id" = String, Path, description = "The graph's id")),
    request_body = NewGraphTrigger,
    security(("OAuth2" = ["MANAGE_INTEGRATIONS", "EXECUTE_GRAPH"])),
    responses((status = 201, description = "Subscribed; listed with `GET /triggers`", body = TriggerItem),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 403, description = "The trigger node's block is disabled", body = ErrorBody),
        (status = 404, description = "No such graph or version", body = ErrorBody),
        (status = 422, description = "No webhook trigger node or several (named), or the trigger node's input, \
            the graph's inputs or credentials do not fit (every problem listed)", body = ErrorBody),
        (status = 502, description = "The provider refused to register the webhook", body = ErrorBody)))]
pub async fn create_graph_trigger(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<NewGraphTrigger>,
) -> Result<(StatusCode, Json<TriggerItem>), ApiError> {
    let trigger = GraphTrigger {
        node_values: request.input.unwrap_or_default(),
        node_input: request.node_input,
        credentials_inputs: request.credentials_inputs,
    };
    let how = TriggerOptions {
        resource: request.resource,
        credentials_id: request.credentials_id,
        webhook_secret: request.webhook_secret.map(SecretString::from),
    };
    let version = Some(request.graph_version);
    let subscribed = graph_triggers::subscribe(&state, &caller.user.id, &id, version, trigger, how).await?;
    Ok((StatusCode::CREATED, Json(created_item(&state, &subscribed))))
}
