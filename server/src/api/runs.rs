//! Runs: list, read, stop, follow their events (Server-Sent Events, resumable),
//! and the callback secret that signs completion callbacks.

use std::convert::Infallible;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Authed;
use super::{ApiError, ErrorBody};
use crate::domain::{Run, RunKind, RunStatus};
use crate::services::runs::{self, callbacks};
use crate::services::{AppState, ServiceError};
use crate::storage::{Callback, RunFilter};

/// A run, with its completion callback's delivery when it has one.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunBody {
    /// The run.
    #[serde(flatten)]
    pub run: Run,
    /// Where the run record is posted when it ends, and every attempt.
    pub callback: Option<Callback>,
}

/// A page of runs, newest first (the reference v2's shape).
#[derive(Debug, Serialize, ToSchema)]
pub struct RunsPage {
    /// The runs.
    pub items: Vec<Run>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
    /// How many runs match in all.
    pub total_count: u64,
}

/// The filters and page of `GET /runs`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// Only runs in this status: queued, running, completed, failed, stopped, interrupted.
    status: Option<String>,
    /// Only runs of this kind: block, graph, graph_node, trigger, schedule.
    kind: Option<String>,
    /// Only runs of this block (its id or name).
    block: Option<String>,
    /// Only runs created at or after this time (Unix milliseconds).
    since: Option<i64>,
    /// How many runs, 1 to 100 (20 by default).
    limit: Option<u32>,
    /// Where the page starts: a previous page's `next_cursor`.
    cursor: Option<String>,
}

/// Where a client resumes following a run.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The id of the last event seen (as the `Last-Event-ID` header, which wins).
    after: Option<u64>,
}

/// A new callback secret, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackSecret {
    /// `bcb_...`: signs the completion callbacks of your runs (`X-Blocks-Signature:
    /// t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`).
    pub secret: String,
}

fn invalid_query(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", message)
}

fn filter_of(state: &AppState, query: &RunsQuery) -> Result<RunFilter, ApiError> {
    let status = match &query.status {
        Some(text) => {
            Some(RunStatus::parse(text).ok_or_else(|| invalid_query(format!("`{text}` is not a run status")))?)
        }
        None => None,
    };
    let kind = match &query.kind {
        Some(text) => Some(RunKind::parse(text).ok_or_else(|| invalid_query(format!("`{text}` is not a run kind")))?),
        None => None,
    };
    let block_id = query
        .block
        .as_ref()
        .map(|block| state.registry().find(block).map_or_else(|| block.clone(), |found| found.id().to_owned()));

    Ok(RunFilter { status, kind, block_id, since: query.since, parent_id: None })
}

/// The caller's runs, newest first.
#[utoipa::path(get, path = "/external-api/v1/runs", tag = "runs", operation_id = "list_runs",
    summary = "The caller's runs, newest first, filtered, a page at a time",
    params(RunsQuery),
    security(("OAuth2" = ["READ_RUN"])),
    responses((status = 200, description = "A page of runs", body = RunsPage),
        (status = 422, description = "A filter or the limit is not valid", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Authed(caller): Authed,
    query: Result<Query<RunsQuery>, QueryRejection>,
) -> Result<Json<RunsPage>, ApiError> {
    let Query(query) = query.map_err(|rejection| invalid_query(rejection.body_text()))?;
    let limit = query.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(invalid_query(format!("limit must be 1 to 100, not {limit}")));
    }
    let filter = filter_of(&state, &query)?;
    let page = runs::list(&state, &caller.user.id, &filter, query.cursor.as_deref(), limit).await?;
    Ok(Json(RunsPage { items: page.items, next_cursor: page.next_cursor, total_count: page.total_count }))
}

async fn body_of(state: &AppState, run: Run) -> Result<RunBody, ApiError> {
    let callback = match run.callback_url {
        Some(_) => state.storage().callback(&run.id).await.map_err(ServiceError::from)?,
        None => None,
    };
    Ok(RunBody { run, callback })
}

/// One run: its input (credentials as meta), outputs, status, charge and times.
#[utoipa::path(get, path = "/external-api/v1/runs/{id}", tag = "runs", operation_id = "get_run",
    summary = "One run, whole",
    params(("id" = String, Path, description = "The run's id")),
    security(("OAuth2" = ["READ_RUN"])),
    responses((status = 200, description = "The run", body = RunBody),
        (status = 404, description = "No such run", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Json<RunBody>, ApiError> {
    let run = runs::get(&state, &caller.user.id, &id).await?;
    Ok(Json(body_of(&state, run).await?))
}

/// Stops a run: a queued one at once (nothing charged), a running one as soon
/// as its worker hears of it.
#[utoipa::path(post, path = "/external-api/v1/runs/{id}/stop", tag = "runs", operation_id = "stop_run",
    summary = "Stop a run",
    params(("id" = String, Path, description = "The run's id")),
    security(("OAuth2" = ["WRITE_RUN"])),
    responses((status = 200, description = "The run as it is now", body = RunBody),
        (status = 404, description = "No such run", body = ErrorBody),
        (status = 409, description = "The run already ended", body = ErrorBody)))]
pub async fn stop(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Json<RunBody>, ApiError> {
    let run = runs::stop(&state, &caller.user.id, &id).await?;
    Ok(Json(body_of(&state, run).await?))
}

/// The run's events as Server-Sent Events: each output (named by its pin), then
/// `run.end` with how it ended. Resumes after `Last-Event-ID`.
#[utoipa::path(get, path = "/external-api/v1/runs/{id}/events", tag = "runs", operation_id = "run_events",
    summary = "Follow a run's events (Server-Sent Events with ids; resume with Last-Event-ID)",
    params(("id" = String, Path, description = "The run's id"), EventsQuery,
        ("Last-Event-ID" = Option<u64>, Header, description = "The id of the last event seen")),
    security(("OAuth2" = ["READ_RUN"])),
    responses((status = 200, description = "The events, ending with `run.end`",
            content((inline(super::execute::StreamEvent) = "text/event-stream"))),
        (status = 404, description = "No such run", body = ErrorBody),
        (status = 422, description = "Last-Event-ID is not an event id", body = ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|rejection| invalid_query(rejection.body_text()))?;
    let after = match headers.get("last-event-id") {
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .ok_or_else(|| invalid_query("Last-Event-ID must be an event id (a number)".to_owned()))?,
        None => query.after.unwrap_or(0),
    };
    let run = runs::get(&state, &caller.user.id, &id).await?;
    Ok(event_stream(state, run.id, after).into_response())
}

/// A run's events as Server-Sent Events, from after event `after`.
pub fn event_stream(
    state: AppState,
    run_id: String,
    after: u64,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let events = runs::follow(state, run_id, after).map(|event| {
        Ok::<_, Infallible>(match event {
            // Compact JSON has no raw newlines, so each value is one `data:` line.
            Ok(event) => Event::default().id(event.seq.to_string()).event(event.name).data(event.data.to_string()),
            Err(error) => {
                Event::default().event("run.error").data(serde_json::json!({"error": error.message()}).to_string())
            }
        })
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// Makes a new callback secret (the old one stops signing); shown only now.
#[utoipa::path(post, path = "/external-api/v1/callbacks/secret", tag = "runs", operation_id = "new_callback_secret",
    summary = "Make a new secret signing your runs' completion callbacks (shown once)",
    security(("OAuth2" = ["WRITE_RUN"])),
    responses((status = 201, description = "The secret, shown once", body = CallbackSecret)))]
pub async fn new_callback_secret(State(state): State<AppState>, Authed(caller): Authed) -> Result<Response, ApiError> {
    let secret = callbacks::new_secret(&state, &caller.user.id).await?;
    Ok((StatusCode::CREATED, Json(CallbackSecret { secret })).into_response())
}
