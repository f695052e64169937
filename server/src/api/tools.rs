//! `/tools`: the store tools (USE_TOOLS), POST with JSON bodies, each
//! answering a tool-response object (`type` and a readable `message`) in the
//! reference's shapes. An agent that cannot be found or run is an answer with
//! status 200 and a `type` saying so (`error`, `setup_requirements`, ...);
//! only a body that does not fit is refused (422).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::extract::{Authed, JsonBody};
use super::{ApiError, ErrorBody};
use crate::services::AppState;
use crate::services::store::tools::{self, SetupRequest, SetupType, ToolResponse};

/// What `find-agent` takes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FindAgentBody {
    /// Words describing what the agent should do.
    #[schema(example = "weather report")]
    pub query: String,
}

/// What `get-agent-details` takes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AgentSlugBody {
    /// The store agent, `username/agent-slug`.
    #[schema(example = "ada/weather-report")]
    pub username_agent_slug: String,
}

/// What `get-required-setup-info` and `run-agent` take.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AgentInputsBody {
    /// The store agent, `username/agent-slug`.
    #[schema(example = "ada/weather-report")]
    pub username_agent_slug: String,
    /// Values of the agent's inputs, by name.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub inputs: Map<String, Value>,
}

/// What `setup-agent` takes (the reference's `description` is accepted and
/// not used).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SetupAgentBody {
    /// The store agent, `username/agent-slug`.
    pub username_agent_slug: String,
    /// `schedule` (the default) to run on a cron pattern; `webhook` to run on
    /// each delivery of the provider's webhook, for an agent whose graph starts
    /// with a webhook trigger node.
    #[serde(default)]
    pub setup_type: SetupType,
    /// A name for the schedule.
    pub name: String,
    /// The cron pattern (for a schedule): `minute hour day month weekday`.
    #[serde(default)]
    #[schema(example = "0 9 * * 1-5")]
    pub cron: Option<String>,
    /// The IANA time zone the pattern is read in; the caller's own when left
    /// out.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Values of the agent's inputs, by name, for every run.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub inputs: Map<String, Value>,
    /// For a webhook: `resource` (what the webhook watches, e.g. `owner/repo`),
    /// `webhook_secret` (a secret the provider issued), and values of the
    /// trigger node's inputs (e.g. its event filter) over the agent's.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub webhook_config: Map<String, Value>,
}

/// Finds store agents.
#[utoipa::path(post, path = "/external-api/v1/tools/find-agent", tag = "tools", operation_id = "find_agent",
    summary = "Find store agents whose name, sub-heading or description holds every word of a query",
    request_body = FindAgentBody,
    security(("OAuth2" = ["USE_TOOLS"])),
    responses((status = 200, description = "`agent_carousel`, `no_results` or `error`", body = ToolResponse),
        (status = 422, description = "The body does not fit", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn find_agent(
    State(state): State<AppState>,
    _caller: Authed,
    JsonBody(body): JsonBody<FindAgentBody>,
) -> Result<Json<ToolResponse>, ApiError> {
    Ok(Json(tools::find_agent(state.storage().as_ref(), state.registry(), &body.query).await?))
}

/// One store agent in detail.
#[utoipa::path(post, path = "/external-api/v1/tools/get-agent-details", tag = "tools",
    operation_id = "get_agent_details",
    summary = "A store agent's inputs, the credentials it needs, and how it can be started",
    request_body = AgentSlugBody,
    security(("OAuth2" = ["USE_TOOLS"])),
    responses((status = 200, description = "`agent_details` or `error`", body = ToolResponse),
        (status = 422, description = "The body does not fit", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn get_agent_details(
    State(state): State<AppState>,
    _caller: Authed,
    JsonBody(body): JsonBody<AgentSlugBody>,
) -> Result<Json<ToolResponse>, ApiError> {
    Ok(Json(tools::agent_details(state.storage().as_ref(), state.registry(), &body.username_agent_slug).await?))
}

/// What a store agent still needs.
#[utoipa::path(post, path = "/external-api/v1/tools/get-required-setup-info", tag = "tools",
    operation_id = "get_required_setup_info",
    summary = "What inputs and credentials the caller still lacks to run a store agent",
    request_body = AgentInputsBody,
    security(("OAuth2" = ["USE_TOOLS"])),
    responses((status = 200, description = "`setup_requirements` or `error`", body = ToolResponse),
        (status = 422, description = "The body does not fit", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn get_required_setup_info(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(body): JsonBody<AgentInputsBody>,
) -> Result<Json<ToolResponse>, ApiError> {
    Ok(Json(tools::setup_info(&state, &caller.user, &body.username_agent_slug, body.inputs).await?))
}

/// Runs a store agent now.
#[utoipa::path(post, path = "/external-api/v1/tools/run-agent", tag = "tools", operation_id = "run_agent",
    summary = "Queue a run of a store agent for the caller (their credentials, their credits)",
    request_body = AgentInputsBody,
    security(("OAuth2" = ["USE_TOOLS"])),
    responses((status = 200, description = "`execution_started`, or `setup_requirements`, `validation_error`, \
            `insufficient_credits` or `error` saying why it did not start", body = ToolResponse),
        (status = 422, description = "The body does not fit", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn run_agent(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(body): JsonBody<AgentInputsBody>,
) -> Result<Json<ToolResponse>, ApiError> {
    Ok(Json(tools::run_agent(&state, &caller.user, &body.username_agent_slug, body.inputs).await?))
}

/// Sets a store agent up to run on a schedule or a webhook.
#[utoipa::path(post, path = "/external-api/v1/tools/setup-agent", tag = "tools", operation_id = "setup_agent",
    summary = "Make a schedule (cron) or a webhook trigger that runs a store agent for the caller (from their own \
        copy of it)",
    request_body = SetupAgentBody,
    security(("OAuth2" = ["USE_TOOLS"])),
    responses((status = 200, description = "`schedule_created` or `webhook_created` (with the ingress URL), or \
            `setup_requirements`, `validation_error`, `insufficient_credits` or `error` saying why not",
            body = ToolResponse),
        (status = 422, description = "The body does not fit", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn setup_agent(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(body): JsonBody<SetupAgentBody>,
) -> Result<Json<ToolResponse>, ApiError> {
    let request = SetupRequest {
        setup_type: body.setup_type,
        name: body.name,
        cron: body.cron,
        timezone: body.timezone,
        inputs: body.inputs,
        webhook_config: body.webhook_config,
    };
    Ok(Json(tools::setup_agent(&state, &caller.user, &body.username_agent_slug, request).await?))
}
