//! `POST /blocks/{id}/execute`: answer `{pin: [values]}`, or a Server-Sent Event
//! per output.

use std::convert::Infallible;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use block_core::Outputs;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Authed, RawBody, json_value};
use super::{ApiError, ErrorBody};
use crate::domain::{Caller, RunSource, RunStatus};
use crate::services::AppState;
use crate::services::runs::{self, NewRun, RunDriver, Start, callbacks};

/// The header naming the run an execution was recorded as.
pub const RUN_ID_HEADER: &str = "x-run-id";

/// The header naming the input keys the block does not declare, which were
/// ignored.
pub const IGNORED_KEYS_HEADER: &str = "x-ignored-input-keys";

/// The input object of the block named in the path: one of the `*Input` schemas
/// (the document lists every block's).
#[derive(Debug, Serialize, ToSchema)]
pub struct BlockInput(Map<String, Value>);

/// Every value each output pin emitted, in order: `{pin: [values]}`. A failed run
/// has `error`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = std::collections::HashMap<String, Vec<Value>>)]
pub struct BlockOutputs(Map<String, Value>);

/// One Server-Sent Event of a streamed run, as a client's event parser sees it
/// (OpenAPI 3.1 has no `itemSchema`: the stream's schema describes one event).
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamEvent {
    /// The output pin's name; `error` for a failed run.
    pub event: String,
    /// The value the pin emitted, as one line of compact JSON.
    #[schema(content_media_type = "application/json")]
    pub data: String,
}

/// What `execute` takes besides the input.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExecuteQuery {
    /// Where the run record is posted, signed, when the run ends (see `POST
    /// /callbacks/secret`).
    callback_url: Option<String>,
}

/// The answer to a run queued with `Prefer: respond-async`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Queued {
    /// The run's id (`GET /runs/{id}`, `GET /runs/{id}/events`).
    pub id: String,
    /// `queued`.
    pub status: RunStatus,
}

/// Runs the block; streams when the caller accepts `text/event-stream`; queues it
/// and answers at once with `Prefer: respond-async`.
#[utoipa::path(post, path = "/external-api/v1/blocks/{id}/execute", tag = "blocks", operation_id = "execute_block",
    summary = "Run a block and return its outputs as {pin: [values]} (Server-Sent Events with Accept: text/event-stream; queued, answered 202 at once, with Prefer: respond-async)",
    params(("id" = String, Path, description = "The block's id or name"), ExecuteQuery,
        ("Prefer" = Option<String>, Header, description = "`respond-async` queues the run and answers at once"),
        ("Idempotency-Key" = Option<String>, Header, description = "The same key and body within 24 h answer as the first time")),
    request_body = Option<BlockInput>,
    security(("OAuth2" = ["EXECUTE_BLOCK"])),
    responses(
        (status = 200, description = "The outputs", headers(("X-Ignored-Input-Keys" = Option<String>, description = "Top-level input keys the block does not declare, which were ignored (comma-separated; absent when none)")), content(
            (BlockOutputs = "application/json"), (inline(StreamEvent) = "text/event-stream"))),
        (status = 202, description = "Queued (`Prefer: respond-async`)", headers(("X-Ignored-Input-Keys" = Option<String>, description = "Top-level input keys the block does not declare, which were ignored (comma-separated; absent when none)")), body = Queued),
        (status = 409, description = "A request with this Idempotency-Key is still being answered", body = ErrorBody),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 402, description = "The credit balance does not cover the run", body = ErrorBody),
        (status = 403, description = "The block is disabled, or a scope is missing", body = ErrorBody),
        (status = 404, description = "No such block", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "The input does not fit the block's schema; every problem is listed with its \
            JSON pointer", body = ErrorBody),
        (status = 503, description = "A store or a provider is unavailable; retry after `Retry-After`", body = ErrorBody)))]
pub async fn execute(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Answer { respond_async, event_stream }: Answer,
    query: Result<Query<ExecuteQuery>, QueryRejection>,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let callback_url = callback_url(&state, &caller, query).await?;
    if respond_async {
        let block = runs::runnable_block(&state, &id)?;
        let input = json_value(&body)?;
        let new = NewRun { callback_url, ..NewRun::block(&caller.user.id, RunSource::Api) };
        let runs::Queued { run, ignored } = runs::enqueue(&state, new, block, input).await?;
        let mut response =
            (StatusCode::ACCEPTED, Json(Queued { id: run.id.clone(), status: run.status })).into_response();
        let headers = response.headers_mut();
        headers.insert("preference-applied", HeaderValue::from_static("respond-async"));
        if let Ok(location) = HeaderValue::from_str(&format!("/external-api/v1/runs/{}", run.id)) {
            headers.insert(header::LOCATION, location);
        }
        if let Ok(value) = HeaderValue::from_str(&run.id) {
            headers.insert(RUN_ID_HEADER, value);
        }
        name_ignored_keys(headers, &ignored);
        return Ok(response);
    }
    if event_stream {
        return stream_response(&state, &caller, &id, &body, callback_url).await;
    }
    let mut driver = start(&state, &caller, &id, &body, RunSource::Api, callback_url).await?;
    let run_id = driver.id().to_owned();
    let ignored = driver.ignored_keys().to_vec();
    let mut outputs = Vec::new();
    while let Some((_, event)) = driver.next().await {
        outputs.push(event);
    }
    driver.finish().await;
    let mut response = Json(Outputs::from_events(outputs).to_json()).into_response();
    if let Ok(value) = HeaderValue::from_str(&run_id) {
        response.headers_mut().insert(RUN_ID_HEADER, value);
    }
    name_ignored_keys(response.headers_mut(), &ignored);
    Ok(response)
}

/// Runs the block, always streaming.
#[utoipa::path(post, path = "/external-api/v1/blocks/{id}/execute/stream", tag = "blocks",
    operation_id = "execute_block_stream", summary = "Run a block, streaming one Server-Sent Event per output",
    params(("id" = String, Path, description = "The block's id or name"), ExecuteQuery),
    request_body = Option<BlockInput>,
    security(("OAuth2" = ["EXECUTE_BLOCK"])),
    responses(
        (status = 200, description = "One event per output", headers(("X-Ignored-Input-Keys" = Option<String>, description = "Top-level input keys the block does not declare, which were ignored (comma-separated; absent when none)")), content((inline(StreamEvent) = "text/event-stream"))),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 402, description = "The credit balance does not cover the run", body = ErrorBody),
        (status = 403, description = "The block is disabled, or a scope is missing", body = ErrorBody),
        (status = 404, description = "No such block", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "The input does not fit the block's schema", body = ErrorBody),
        (status = 503, description = "A store or a provider is unavailable", body = ErrorBody)))]
pub async fn execute_stream(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    query: Result<Query<ExecuteQuery>, QueryRejection>,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let callback_url = callback_url(&state, &caller, query).await?;
    stream_response(&state, &caller, &id, &body, callback_url).await
}

/// The `callback_url` asked for, checked.
async fn callback_url(
    state: &AppState,
    caller: &Caller,
    query: Result<Query<ExecuteQuery>, QueryRejection>,
) -> Result<Option<String>, ApiError> {
    let Query(query) = query
        .map_err(|rejection| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", rejection.body_text()))?;
    if let Some(url) = &query.callback_url {
        callbacks::check_url(state, &caller.user.id, url).await?;
    }
    Ok(query.callback_url)
}

/// How the caller wants the answer, read from its headers in place (the
/// `HeaderMap` extractor would copy them all).
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    /// `Prefer: respond-async`.
    pub respond_async: bool,
    /// `Accept` prefers `text/event-stream`.
    pub event_stream: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Answer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Answer { respond_async: prefers_async(&parts.headers), event_stream: accepts_event_stream(&parts.headers) })
    }
}

/// Whether the caller asked for the run to be queued (RFC 7240 `Prefer:
/// respond-async`).
fn prefers_async(headers: &HeaderMap) -> bool {
    headers.get_all("prefer").iter().filter_map(|value| value.to_str().ok()).flat_map(|value| value.split(',')).any(
        |preference| preference.split(';').next().is_some_and(|name| name.trim().eq_ignore_ascii_case("respond-async")),
    )
}

/// Whether the caller asked for Server-Sent Events: `text/event-stream` with a
/// quality above zero and at least that of JSON (`application/json`,
/// `application/*` or `*/*`). A client that lists both equally gets the stream
/// it named; `text/event-stream;q=0` refuses it.
fn accepts_event_stream(headers: &HeaderMap) -> bool {
    let (mut stream, mut json) = (0.0_f32, 0.0_f32);
    let items = headers.get_all(header::ACCEPT).into_iter().filter_map(|value| value.to_str().ok());
    for item in items.flat_map(|value| value.split(',')) {
        let mut parts = item.split(';');
        let mime = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|parameter| parameter.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        match mime.as_str() {
            "text/event-stream" => stream = stream.max(quality),
            "application/json" | "application/*" | "*/*" => json = json.max(quality),
            _ => {}
        }
    }
    stream > 0.0 && stream >= json
}

async fn start(
    state: &AppState,
    caller: &Caller,
    id: &str,
    body: &[u8],
    source: RunSource,
    callback_url: Option<String>,
) -> Result<RunDriver, ApiError> {
    let block = runs::runnable_block(state, id)?;
    let input = json_value(body)?;
    let new = NewRun { callback_url, ..NewRun::block(&caller.user.id, source) };
    // Answered when it ends, the block runs within this request's task; a
    // stream's runs ahead of the client reading it.
    let start = if source == RunSource::Stream { Start::InlineSpawned } else { Start::Inline };
    Ok(runs::start_inline(state, new, block, input, start).await?)
}

async fn stream_response(
    state: &AppState,
    caller: &Caller,
    id: &str,
    body: &[u8],
    callback_url: Option<String>,
) -> Result<Response, ApiError> {
    let driver = start(state, caller, id, body, RunSource::Stream, callback_url).await?;
    let run_id = driver.id().to_owned();
    let ignored = driver.ignored_keys().to_vec();
    // One event per output, named by its pin, with the run's event number as its
    // id (`GET /runs/{id}/events` resumes from it); the stream ends with the run,
    // once its end is recorded. Dropped early (the client went away), the driver
    // stops the run.
    let events = futures_util::stream::unfold(Some(driver), |driver| async move {
        let mut driver = driver?;
        match driver.next().await {
            // Compact JSON has no raw newlines, so each value is one `data:` line.
            Some((seq, event)) => {
                let sse = Event::default().id(seq.to_string()).event(event.name).data(event.value.to_string());
                Some((Ok::<_, Infallible>(sse), Some(driver)))
            }
            None => {
                driver.finish().await;
                None
            }
        }
    });
    let mut response = Sse::new(events).keep_alive(KeepAlive::default()).into_response();
    if let Ok(value) = HeaderValue::from_str(&run_id) {
        response.headers_mut().insert(RUN_ID_HEADER, value);
    }
    name_ignored_keys(response.headers_mut(), &ignored);
    Ok(response)
}

/// Names the input keys the block does not declare, which were ignored (as the
/// reference ignores them), so that a typo stays visible.
fn name_ignored_keys(headers: &mut HeaderMap, ignored: &[String]) {
    if ignored.is_empty() {
        return;
    }
    if let Ok(value) = HeaderValue::from_str(&ignored.join(", ")) {
        headers.insert(IGNORED_KEYS_HEADER, value);
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).expect("a header value"));
        headers
    }

    #[test]
    fn the_stream_is_chosen_by_its_quality_against_json() {
        assert!(accepts_event_stream(&accept("text/event-stream")));
        assert!(accepts_event_stream(&accept("application/json, text/event-stream")));
        assert!(accepts_event_stream(&accept("text/event-stream;q=0.9, */*;q=0.5")));
        assert!(!accepts_event_stream(&accept("text/event-stream;q=0, application/json")));
        assert!(!accepts_event_stream(&accept("text/event-stream;q=0.2, application/json")));
        assert!(!accepts_event_stream(&accept("application/json")));
        assert!(!accepts_event_stream(&HeaderMap::new()));
        assert!(accepts_event_stream(&accept("TEXT/Event-Stream ; charset=utf-8")));
    }
}
