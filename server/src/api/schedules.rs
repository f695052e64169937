//! `/schedules`: the caller's schedules (a block run on a cron pattern in a
//! time zone), with their next fire times.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::extract::{Authed, JsonBody};
use super::{ApiError, ErrorBody};
use crate::domain::{MissedFires, ScheduleTarget, Scope};
use crate::services::schedules::{self, FireTime, NewGraphSchedule, NewSchedule, ScheduleView};
use crate::services::{AppState, ServiceError};

/// What `POST /schedules` takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScheduleBody {
    /// The block to run: its id or its name. Give either this or `graph_id`.
    #[serde(default)]
    pub block_id: Option<String>,
    /// The graph (agent) to run instead of a block: one of the caller's.
    #[serde(default)]
    pub graph_id: Option<String>,
    /// The graph version each fire runs; the active one at the time of the
    /// fire when left out.
    #[serde(default)]
    pub graph_version: Option<u32>,
    /// For a graph: stored credentials for its credentials inputs, by key.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub credentials_inputs: Option<Map<String, Value>>,
    /// The block's input (a graph's input values, by name), checked now;
    /// every run gets it.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub input: Option<Map<String, Value>>,
    /// A cron pattern: five fields (minute hour day-of-month month
    /// day-of-week), or six with seconds first; `@daily` and the other
    /// nicknames; names for months and weekdays (`0 9 * * MON-FRI`).
    #[schema(example = "0 9 * * MON-FRI")]
    pub cron: String,
    /// The IANA time zone whose wall clock the pattern is read on; the
    /// caller's own time zone when left out.
    #[serde(default)]
    #[schema(example = "Europe/Paris")]
    pub timezone: Option<String>,
    /// What happens to fire times missed while no server ran: `skip` (the
    /// default) or `run_once`.
    #[serde(default)]
    pub missed: Option<MissedFires>,
    /// A name to recognise it by; the block's name when left out.
    #[serde(default)]
    pub name: Option<String>,
}

/// One fire time.
#[derive(Debug, Serialize, ToSchema)]
pub struct FireTimeItem {
    /// RFC 3339, with the schedule's time zone's offset at that instant.
    #[schema(format = "date-time", example = "2025-03-31T09:00:00+02:00")]
    pub at: String,
    /// The same instant in Unix milliseconds.
    pub unix_ms: i64,
}

/// A schedule as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleItem {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it runs.
    pub target: ScheduleTarget,
    /// The input of every run; the values of fields the block marks `secret`
    /// are shown as `********`.
    #[schema(value_type = Object)]
    pub input: Value,
    /// The cron pattern.
    pub cron: String,
    /// The IANA time zone the pattern is read in.
    pub timezone: String,
    /// What happens to fire times missed while no server ran.
    pub missed: MissedFires,
    /// The next five fire times (none once the pattern has no fire time left).
    pub next_fires: Vec<FireTimeItem>,
    /// When it was created, Unix milliseconds.
    pub created_at: i64,
    /// When it last queued a run, Unix milliseconds.
    pub last_fired_at: Option<i64>,
    /// The run it queued last.
    pub last_run_id: Option<String>,
    /// Why its last fire queued no run, if it did not.
    pub last_error: Option<String>,
}

/// What deleting a schedule did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleRemoved {
    /// Always `true`.
    pub deleted: bool,
}

fn fire_time_item(time: FireTime) -> FireTimeItem {
    FireTimeItem { at: time.local, unix_ms: time.unix_ms }
}

fn schedule_item(view: ScheduleView) -> ScheduleItem {
    let ScheduleView { schedule, next_fires } = view;
    ScheduleItem {
        id: schedule.id,
        name: schedule.name,
        target: schedule.target,
        input: schedule.input,
        cron: schedule.cron,
        timezone: schedule.timezone,
        missed: schedule.missed,
        next_fires: next_fires.into_iter().map(fire_time_item).collect(),
        created_at: schedule.created_at,
        last_fired_at: schedule.last_fired_at,
        last_run_id: schedule.last_run_id,
        last_error: schedule.last_error,
    }
}

/// Creates a schedule; 201 with its next fire times.
#[utoipa::path(post, path = "/external-api/v1/schedules", tag = "schedules", operation_id = "create_schedule",
    summary = "Run a block (or a graph, with `graph_id`) on a cron pattern in a time zone",
    request_body = NewScheduleBody,
    security(("OAuth2" = ["EXECUTE_BLOCK"])),
    responses((status = 201, description = "Created", body = ScheduleItem),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 403, description = "The block is disabled, or a scope is missing (a graph schedule also needs \
            EXECUTE_GRAPH)", body = ErrorBody),
        (status = 404, description = "No such block", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "The pattern, the time zone, the name or the input is wrong; every problem is \
            listed with the JSON pointer of its field (`/cron`, `/timezone`, `/input/...`)", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn create_schedule(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(body): JsonBody<NewScheduleBody>,
) -> Result<(StatusCode, Json<ScheduleItem>), ApiError> {
    let storage = state.storage().as_ref();
    if let Some(graph_id) = body.graph_id {
        let missing = caller.missing(&[Scope::ExecuteGraph]);
        if !missing.is_empty() {
            return Err(ServiceError::missing_scopes(&missing).into());
        }
        if body.block_id.is_some() {
            return Err(ServiceError::invalid_body("give either `block_id` or `graph_id`, not both").into());
        }
        let new = NewGraphSchedule {
            graph_id,
            graph_version: body.graph_version,
            node_input: body.input.unwrap_or_default(),
            credentials_inputs: body.credentials_inputs.unwrap_or_default(),
            cron: body.cron,
            timezone: body.timezone,
            missed: body.missed.unwrap_or_default(),
            name: body.name,
        };
        let created = schedules::create_for_graph(storage, state.registry(), state.cipher(), &caller.user, new).await?;
        return Ok((StatusCode::CREATED, Json(schedule_item(created))));
    }
    let Some(block) = body.block_id else {
        return Err(ServiceError::invalid_body("a schedule runs a block (`block_id`) or a graph (`graph_id`)").into());
    };
    let new = NewSchedule {
        block,
        input: Value::Object(body.input.unwrap_or_default()),
        cron: body.cron,
        timezone: body.timezone,
        missed: body.missed.unwrap_or_default(),
        name: body.name,
    };
    let created = schedules::create(storage, state.registry(), state.cipher(), &caller.user, new).await?;
    Ok((StatusCode::CREATED, Json(schedule_item(created))))
}

/// The caller's schedules.
#[utoipa::path(get, path = "/external-api/v1/schedules", tag = "schedules", operation_id = "list_schedules",
    summary = "The caller's schedules, each with its next five fire times",
    security(("OAuth2" = ["READ_RUN"])),
    responses((status = 200, description = "The schedules, oldest first", body = Vec<ScheduleItem>),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn list_schedules(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<Vec<ScheduleItem>>, ApiError> {
    let views = schedules::list(state.storage().as_ref(), state.registry(), &caller.user.id).await?;
    Ok(Json(views.into_iter().map(schedule_item).collect()))
}

/// Deletes a schedule; runs it already queued stay.
#[utoipa::path(delete, path = "/external-api/v1/schedules/{id}", tag = "schedules", operation_id = "delete_schedule",
    summary = "Delete a schedule (runs it already queued stay)",
    params(("id" = String, Path, description = "The schedule's id")),
    security(("OAuth2" = ["WRITE_RUN"])),
    responses((status = 200, description = "Deleted", body = ScheduleRemoved),
        (status = 404, description = "No such schedule", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn delete_schedule(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Json<ScheduleRemoved>, ApiError> {
    schedules::delete(state.storage().as_ref(), &caller.user.id, &id).await?;
    Ok(Json(ScheduleRemoved { deleted: true }))
}
