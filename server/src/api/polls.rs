//! `/polls`: the caller's subscriptions of polling triggers (trigger blocks
//! whose service sends no webhooks, polled on their interval).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::extract::{Authed, JsonBody};
use super::{ApiError, ErrorBody};
use crate::domain::PollSubscription;
use crate::services::{AppState, polls};

/// What `POST /polls` takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPoll {
    /// A polling trigger block's id or name.
    pub block_id: String,
    /// The block's input without `payload`, checked against its schema now.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub input: Option<Map<String, Value>>,
}

/// A polling trigger subscription as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollItem {
    /// Its id.
    pub id: String,
    /// The polling trigger block.
    pub block_id: String,
    /// The block's input apart from `payload`; the values of fields the block
    /// marks `secret` are shown as `********`.
    #[schema(value_type = Object)]
    pub input: Value,
    /// Seconds between polls.
    pub every_secs: u64,
    /// When it is polled next, Unix milliseconds.
    pub next_poll_at: i64,
    /// When it was created, Unix milliseconds.
    pub created_at: i64,
    /// When its last poll ended, Unix milliseconds (`null` before the first).
    #[schema(required = true)]
    pub last_polled_at: Option<i64>,
    /// Why its last poll failed (`null` after one that succeeded).
    #[schema(required = true)]
    pub last_error: Option<String>,
    /// How many trigger runs its polls have queued.
    pub runs_queued: u64,
}

/// What deleting a subscription did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollRemoved {
    /// Always `true`.
    pub deleted: bool,
}

fn poll_item(poll: PollSubscription) -> PollItem {
    PollItem {
        id: poll.id,
        block_id: poll.block_id,
        input: poll.input,
        every_secs: poll.every_secs,
        next_poll_at: poll.next_poll_at,
        created_at: poll.created_at,
        last_polled_at: poll.last_polled_at,
        last_error: poll.last_error,
        runs_queued: poll.runs_queued,
    }
}

/// Subscribes to a polling trigger; 201. Its first poll comes at once and only
/// learns what the service holds already; each new item after that queues one
/// trigger run, charged when it starts.
#[utoipa::path(post, path = "/external-api/v1/polls", tag = "webhooks", operation_id = "create_poll",
    summary = "Subscribe to a polling trigger (one run per new item it finds)",
    request_body = NewPoll,
    security(("OAuth2" = ["MANAGE_INTEGRATIONS", "EXECUTE_BLOCK"])),
    responses((status = 201, description = "Subscribed", body = PollItem),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 403, description = "The block is disabled, or a scope is missing", body = ErrorBody),
        (status = 404, description = "No such block", body = ErrorBody),
        (status = 422, description = "Not a polling trigger, or its input does not fit; every problem is listed",
            body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn create_poll(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(body): JsonBody<NewPoll>,
) -> Result<(StatusCode, Json<PollItem>), ApiError> {
    let poll = polls::subscribe(&state, &caller.user.id, &body.block_id, body.input.unwrap_or_default()).await?;
    Ok((StatusCode::CREATED, Json(poll_item(poll))))
}

/// The caller's polling trigger subscriptions.
#[utoipa::path(get, path = "/external-api/v1/polls", tag = "webhooks", operation_id = "list_polls",
    summary = "The caller's polling trigger subscriptions, with their last poll",
    security(("OAuth2" = ["READ_INTEGRATIONS"])),
    responses((status = 200, description = "The subscriptions, oldest first", body = Vec<PollItem>),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn list_polls(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<Vec<PollItem>>, ApiError> {
    let polls = polls::list(&state, &caller.user.id).await?;
    Ok(Json(polls.into_iter().map(poll_item).collect()))
}

/// Ends a polling trigger subscription; runs it queued stay.
#[utoipa::path(delete, path = "/external-api/v1/polls/{id}", tag = "webhooks", operation_id = "delete_poll",
    summary = "End a polling trigger subscription (runs it queued stay)",
    params(("id" = String, Path, description = "The subscription's id")),
    security(("OAuth2" = ["DELETE_INTEGRATIONS"])),
    responses((status = 200, description = "Deleted", body = PollRemoved),
        (status = 404, description = "No such subscription", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn delete_poll(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Json<PollRemoved>, ApiError> {
    polls::delete(&state, &caller.user.id, &id).await?;
    Ok(Json(PollRemoved { deleted: true }))
}
