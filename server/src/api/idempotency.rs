//! `Idempotency-Key` on the requests that start work: within 24 hours, the same
//! key with the same request answers what the first one answered (the same run,
//! charged once); with another request it is refused (422); while the first is
//! still being answered, 409. A streamed answer is replayed as the run's events.
//! A request that fails with a server error, or whose client goes away before
//! the answer, lets its key go, so that the client can retry.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ring::digest::{SHA256, digest};

use super::ApiError;
use super::execute::RUN_ID_HEADER;
use crate::domain::{Caller, now_millis};
use crate::services::{AppState, ServiceError};
use crate::storage::{Idempotent, StoredAnswer};

/// The request header.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// How long a key is kept.
const KEPT_FOR: Duration = Duration::from_secs(24 * 3600);

/// The largest answer kept for replays.
const MAX_KEPT_ANSWER: usize = 4 << 20;

/// The routes whose POSTs start work.
const STARTS_WORK: &[&str] = &[
    "/external-api/v1/blocks/{id}/execute",
    "/external-api/v1/blocks/{id}/execute/stream",
    "/external-api/v1/triggers",
    "/external-api/v1/schedules",
    "/external-api/v1/graphs/{id}/execute/{version}",
];

/// Lets the key go unless the answer was kept (the request was dropped).
struct Hold {
    state: AppState,
    user_id: String,
    key: String,
    done: bool,
}

impl Drop for Hold {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let (state, user_id, key) = (self.state.clone(), self.user_id.clone(), self.key.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = state.storage().abandon_idempotent(&user_id, &key).await {
                    tracing::warn!(%error, "letting an idempotency key go failed");
                }
            });
        }
    }
}

/// Answers `request` through `next`, applying its `Idempotency-Key` (see the
/// module docs). Called by the access layer once the caller is known, on the
/// route `path` (its template), so that a request takes one middleware, not two.
pub(super) async fn answer(state: &AppState, caller: &Caller, path: &str, request: Request, next: Next) -> Response {
    let Some(key) = request.headers().get(IDEMPOTENCY_KEY_HEADER) else { return next.run(request).await };
    if request.method() != Method::POST || !STARTS_WORK.contains(&path) {
        return next.run(request).await;
    }
    let Some(key) = key.to_str().ok().map(str::trim).filter(|key| !key.is_empty() && key.len() <= 255) else {
        return bad_key().into_response();
    };
    let key = key.to_owned();
    let (parts, body) = request.into_parts();
    let limit = state.settings().max_body_bytes;
    let Ok(bytes) = to_bytes(body, limit).await else {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the request body is too large")
            .into_response();
    };
    let mut fingerprint = Vec::with_capacity(bytes.len() + 64);
    fingerprint.extend_from_slice(parts.method.as_str().as_bytes());
    fingerprint.push(b' ');
    fingerprint.extend_from_slice(parts.uri.to_string().as_bytes());
    fingerprint.push(b'\n');
    fingerprint.extend_from_slice(&bytes);
    let mut hash = [0u8; 32];
    hash.copy_from_slice(digest(&SHA256, &fingerprint).as_ref());
    let now = now_millis();
    let expired_before = now - i64::try_from(KEPT_FOR.as_millis()).unwrap_or(i64::MAX);
    let user_id = caller.user.id.clone();
    let found = match state.storage().begin_idempotent(&user_id, &key, &hash, now, expired_before).await {
        Ok(found) => found,
        Err(error) => return ApiError::from(ServiceError::from(error)).into_response(),
    };
    match found {
        Idempotent::Mismatch => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used with another request in the last 24 hours; use a new key",
        )
        .into_response(),
        Idempotent::InProgress => ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_in_progress",
            "a request with this Idempotency-Key is still being answered; retry when it is done",
        )
        .into_response(),
        Idempotent::Done(answer) => replay(state, answer),
        Idempotent::New => {
            let mut hold = Hold { state: state.clone(), user_id, key, done: false };
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            keep(&mut hold, response).await
        }
    }
}

fn bad_key() -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 characters")
}

/// Keeps the first answer for replays, and passes it on.
async fn keep(hold: &mut Hold, response: Response) -> Response {
    if response.status().is_server_error() {
        return response;
    }
    let (content_type, run_id) = {
        let header_text =
            |name: &str| response.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
        (header_text(header::CONTENT_TYPE.as_str()), header_text(RUN_ID_HEADER))
    };
    let status = response.status().as_u16();
    let streamed = content_type.as_deref().is_some_and(|kind| kind.starts_with("text/event-stream"));
    let (response, body) = if streamed {
        (response, None)
    } else {
        let (parts, body) = response.into_parts();
        match to_bytes(body, MAX_KEPT_ANSWER).await {
            Ok(bytes) => (Response::from_parts(parts, Body::from(bytes.clone())), Some(bytes.to_vec())),
            Err(_) => return ServiceError::internal("an answer could not be read", "too large").into_api_response(),
        }
    };
    let answer = StoredAnswer { status, content_type, body, run_id };
    match hold.state.storage().finish_idempotent(&hold.user_id, &hold.key, answer).await {
        Ok(()) => hold.done = true,
        Err(error) => tracing::error!(%error, "keeping an answer for its idempotency key failed"),
    }
    response
}

/// The first answer again.
fn replay(state: &AppState, answer: StoredAnswer) -> Response {
    let mut response = match (answer.body, &answer.run_id) {
        (Some(body), _) => {
            let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
            let mut response = (status, body).into_response();
            if let Some(kind) = answer.content_type.as_deref().and_then(|kind| HeaderValue::from_str(kind).ok()) {
                response.headers_mut().insert(header::CONTENT_TYPE, kind);
            }
            response
        }
        // A streamed answer: the run's events, from the first.
        (None, Some(run_id)) => super::runs::event_stream(state.clone(), run_id.clone(), 0).into_response(),
        (None, None) => StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK).into_response(),
    };
    let headers = response.headers_mut();
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    if let Some(value) = answer.run_id.as_deref().and_then(|id| HeaderValue::from_str(id).ok()) {
        headers.insert(RUN_ID_HEADER, value);
    }
    response
}

trait IntoApiResponse {
    fn into_api_response(self) -> Response;
}

impl IntoApiResponse for ServiceError {
    fn into_api_response(self) -> Response {
        ApiError::from(self).into_response()
    }
}
