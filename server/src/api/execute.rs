//! `POST /blocks/{id}/execute`: answer `{pin: [values]}`, or a Server-Sent Event
//! per output.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use block_core::{Execution, Outputs};
use futures_util::Stream;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::extract::{Authed, RawBody, json_value};
use super::{ApiError, ErrorBody};
use crate::domain::{Caller, ExecutionSource};
use crate::services::AppState;
use crate::services::runs::{self, RunRecord, StartedRun};

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

/// Runs the block; streams when the caller accepts `text/event-stream`.
#[utoipa::path(post, path = "/external-api/v1/blocks/{id}/execute", tag = "blocks", operation_id = "execute_block",
    summary = "Run a block and return its outputs as {pin: [values]} (Server-Sent Events with Accept: text/event-stream)",
    params(("id" = String, Path, description = "The block's id or name")),
    request_body = Option<BlockInput>,
    security(("OAuth2" = ["EXECUTE_BLOCK"])),
    responses(
        (status = 200, description = "The outputs", content(
            (BlockOutputs = "application/json"), (inline(StreamEvent) = "text/event-stream"))),
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
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    if accepts_event_stream(&headers) {
        return stream_response(&state, &caller, &id, &body).await;
    }
    let StartedRun { mut execution, mut record } = start(&state, &caller, &id, &body, ExecutionSource::Api).await?;
    let mut outputs = Vec::new();
    while let Some(event) = execution.next_event().await {
        record.observe(&event);
        outputs.push(event);
    }
    record.finish().await;
    Ok(Json(Outputs::from_events(outputs).to_json()).into_response())
}

/// Runs the block, always streaming.
#[utoipa::path(post, path = "/external-api/v1/blocks/{id}/execute/stream", tag = "blocks",
    operation_id = "execute_block_stream", summary = "Run a block, streaming one Server-Sent Event per output",
    params(("id" = String, Path, description = "The block's id or name")),
    request_body = Option<BlockInput>,
    security(("OAuth2" = ["EXECUTE_BLOCK"])),
    responses(
        (status = 200, description = "One event per output", content((inline(StreamEvent) = "text/event-stream"))),
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
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    stream_response(&state, &caller, &id, &body).await
}

fn accepts_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| item.split(';').next().is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/event-stream")))
}

async fn start(
    state: &AppState,
    caller: &Caller,
    id: &str,
    body: &[u8],
    source: ExecutionSource,
) -> Result<StartedRun, ApiError> {
    let block = runs::runnable_block(state, id)?;
    let input = json_value(body)?;
    let bytes = u64::try_from(body.len()).unwrap_or(u64::MAX);
    Ok(runs::start(state, &caller.user.id, block, input, bytes, source).await?)
}

async fn stream_response(state: &AppState, caller: &Caller, id: &str, body: &[u8]) -> Result<Response, ApiError> {
    let StartedRun { execution, record } = start(state, caller, id, body, ExecutionSource::Stream).await?;
    let events = EventStream { execution, record: Some(record), finishing: None };
    Ok(Sse::new(events).keep_alive(KeepAlive::default()).into_response())
}

/// One SSE event per output, named by its pin; ends with the run, once its record
/// is written (see [`RunRecord::finish`]).
struct EventStream {
    execution: Execution,
    record: Option<RunRecord>,
    finishing: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl Stream for EventStream {
    type Item = Result<Event, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(finishing) = this.finishing.as_mut() {
            return finishing.as_mut().poll(cx).map(|()| None);
        }
        match Pin::new(&mut this.execution).poll_next(cx) {
            Poll::Ready(Some(event)) => {
                if let Some(record) = this.record.as_mut() {
                    record.observe(&event);
                }
                // Compact JSON has no raw newlines, so each value is one `data:` line.
                Poll::Ready(Some(Ok(Event::default().event(event.name).data(event.value.to_string()))))
            }
            Poll::Ready(None) => match this.record.take() {
                Some(record) => {
                    let finishing = this.finishing.insert(Box::pin(record.finish()));
                    finishing.as_mut().poll(cx).map(|()| None)
                }
                None => Poll::Ready(None),
            },
            Poll::Pending => Poll::Pending,
        }
    }
}
