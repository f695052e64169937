//! `POST /blocks/{id}/execute`: validate, charge, run; answer `{pin: [values]}` or
//! a Server-Sent Event per output.
//!
//! Credits: the per-run and per-byte costs are known before the run and charged
//! atomically before it starts (402 when the balance does not cover them); a run
//! that then fails to start is refunded. Per-second costs are known only at the end
//! and are charged then, up to what the balance holds. A caller who disconnects
//! cancels the run; what was charged stays charged.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use block_core::{ExecuteError, Execution, Outputs, RegisteredBlock, RunOptions, Usage, Value};
use futures_util::Stream;
use serde_json::json;

use super::blocks::unknown_block;
use super::run_record::{self, Opened, RunRecord};
use super::{ApiError, body};
use crate::auth::Caller;
use crate::ids::uuid_v7;
use crate::state::AppState;
use crate::storage::ExecutionSource;

/// Runs the block; streams when the caller accepts `text/event-stream`.
pub async fn execute(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if accepts_event_stream(&headers) {
        return stream_response(state, caller, id, body).await;
    }
    let (mut execution, mut record) = start(&state, &caller, &id, body, ExecutionSource::Api).await?;
    let mut outputs = Vec::new();
    while let Some(event) = execution.next_event().await {
        record.observe(&event);
        outputs.push(event);
    }
    record.finish().await;
    Ok(Json(Outputs::from_events(outputs).to_json()).into_response())
}

/// Runs the block, always streaming.
pub async fn execute_stream(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    stream_response(state, caller, id, body).await
}

fn accepts_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| item.split(';').next().is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/event-stream")))
}

async fn stream_response(
    state: AppState,
    caller: Arc<Caller>,
    id: String,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (execution, record) = start(&state, &caller, &id, body, ExecutionSource::Stream).await?;
    let events = EventStream { execution, record: Some(record), finishing: None };
    Ok(Sse::new(events).keep_alive(KeepAlive::default()).into_response())
}

/// Everything before the run: find, validate, price, charge, start, record.
async fn start(
    state: &AppState,
    caller: &Caller,
    id: &str,
    body: Result<Bytes, BytesRejection>,
    source: ExecutionSource,
) -> Result<(Execution, RunRecord), ApiError> {
    let block = state.registry.find(id).ok_or_else(|| unknown_block(id))?;
    if block.descriptor().disabled {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "block_disabled",
            format!("block {} is disabled", block.name()),
        ));
    }
    let raw = body::raw(body)?;
    let input = body::json_value(&raw)?;
    block.validate(&input).map_err(|error| execute_error(block, error))?;
    let usage = Usage {
        platform_credentials: names_platform_credentials(state, block, &input),
        input_bytes: u64::try_from(raw.len()).unwrap_or(u64::MAX),
        seconds: 0,
    };
    let id = uuid_v7().ok_or_else(|| ApiError::internal("the random source failed", "uuid"))?;
    let user = &caller.user.id;
    let mut record = match run_record::open(state, id, user, block, &usage, source).await? {
        Opened::Ready(record) => record,
        Opened::Insufficient { price, balance } => {
            return Err(ApiError::new(
                StatusCode::PAYMENT_REQUIRED,
                "insufficient_credits",
                run_record::insufficient(block, price, balance),
            )
            .with_details(json!({"price": price, "balance": balance})));
        }
    };
    // The block sees the id the run is recorded under.
    let context =
        RunOptions { execution_id: block_core::Uuid::parse_str(&record.id).ok(), ..RunOptions::for_user(user.clone()) };
    let execution = match state.executor.execute(block, input, context).await {
        Ok(execution) => execution,
        Err(error) => {
            // A paid run's record is stored; it must end refunded. A free run was
            // never stored and is answered with the error alone.
            if record.charged > 0 {
                run_record::did_not_start(state, &mut record, block, format!("did not start: {error}")).await?;
                state.storage.record_execution(record).await?;
            }
            return Err(execute_error(block, error));
        }
    };
    if record.charged == 0 {
        // Queued, not awaited: nothing is owed on a free run if a crash loses it.
        state.storage.queue_execution(record.clone());
    }
    Ok((execution, RunRecord::new(state.clone(), record, usage)))
}

/// Whether the input names platform default credentials (which platform-only costs
/// are charged for).
pub(super) fn names_platform_credentials(state: &AppState, block: &RegisteredBlock, input: &Value) -> bool {
    block
        .credential_fields()
        .iter()
        .any(|field| input[field.name.as_str()]["id"].as_str().is_some_and(|id| state.credentials.is_platform(id)))
}

fn execute_error(block: &RegisteredBlock, error: ExecuteError) -> ApiError {
    match error {
        ExecuteError::InvalidInput { block, problems, .. }
        | ExecuteError::UnusableCredentials { block, problems, .. } => ApiError::invalid_input(block, &problems),
        ExecuteError::Unavailable { reason, retry_after } => {
            let error = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", reason);
            match retry_after {
                Some(wait) => error.with_header(header::RETRY_AFTER, wait.as_secs().into()),
                None => error,
            }
        }
        ExecuteError::Disabled { block } => {
            ApiError::new(StatusCode::FORBIDDEN, "block_disabled", format!("block {block} is disabled"))
        }
        other => ApiError::internal(&format!("{} could not start", block.name()), other),
    }
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
