//! Who is calling and what they may do: API keys, scopes, the per-key rate limit,
//! and the middleware that applies them to every route of the API.
//!
//! Order on every request: the route's scopes are looked up in the route table
//! (a route without an entry is refused, so none can be left open by mistake);
//! the caller is authenticated (401 without usable credentials); every required
//! scope must be held (403 naming the missing ones); the key's rate limit applies
//! (429 with `Retry-After`). Secrets presented are never logged.

mod api_key;
mod rate_limit;
mod scope;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub use api_key::{API_KEY_PREFIX, GeneratedKey, generate as generate_api_key, hash as hash_api_key};
pub use rate_limit::{RateDecision, RateLimiter};
pub use scope::Scope;

use crate::api::{ApiError, route_spec};
use crate::state::AppState;
use crate::storage::model::now_unix;
use crate::storage::{KeyStatus, TokenKind, User};

/// The header carrying an API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// An authenticated caller, put into the request's extensions for the handlers.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user the request acts for.
    pub user: User,
    /// The API key used, or `oauth:<client id>:<user id>` for an OAuth access
    /// token; the rate limit counts per this id.
    pub key_id: String,
    /// What the key or token may do.
    pub scopes: Vec<Scope>,
}

/// Finds the caller from the request's headers: `X-API-Key` first, else
/// `Authorization: Bearer` with an OAuth access token (see [`crate::oauth`]).
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    if let Some(key) = headers.get(API_KEY_HEADER) {
        let key = key.to_str().map_err(|_| invalid_key())?;
        return authenticate_key(state, key.trim()).await;
    }
    if let Some(authorization) = headers.get(axum::http::header::AUTHORIZATION) {
        let token = authorization
            .to_str()
            .ok()
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
            .map(|(_, token)| token.trim());
        return match token {
            Some(token) => authenticate_bearer(state, token).await,
            None => {
                Err(ApiError::unauthorized("invalid_authorization", "Authorization must be `Bearer <access token>`"))
            }
        };
    }
    Err(ApiError::unauthorized(
        "missing_credentials",
        "authenticate with an API key in the X-API-Key header (`block-server keys create` makes one)",
    ))
}

fn invalid_key() -> ApiError {
    ApiError::unauthorized("invalid_api_key", "the API key is not valid")
}

async fn authenticate_key(state: &AppState, key: &str) -> Result<Caller, ApiError> {
    let (record, user) = state.storage.api_key_by_hash(&hash_api_key(key)).await?.ok_or_else(invalid_key)?;
    match record.status {
        KeyStatus::Active => {}
        KeyStatus::Revoked => return Err(ApiError::unauthorized("api_key_revoked", "the API key has been revoked")),
        KeyStatus::Suspended => {
            return Err(ApiError::unauthorized("api_key_suspended", "the API key is suspended"));
        }
    }
    // One write a minute per key at most: last-use times need no more precision.
    if record.last_used_at.is_none_or(|at| now_unix() - at >= 60) {
        state.storage.touch_api_key(&record.id).await?;
    }
    Ok(Caller { user, key_id: record.id, scopes: record.scopes })
}

fn invalid_token() -> ApiError {
    ApiError::unauthorized("invalid_token", "the access token is not valid (unknown, expired or revoked)")
}

/// An OAuth access token: live, of an enabled client, for an existing user.
async fn authenticate_bearer(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    if !token.starts_with(crate::oauth::secrets::ACCESS_TOKEN_PREFIX) {
        return Err(invalid_token());
    }
    let record = state.storage.oauth_token(&crate::oauth::secrets::hash(token)).await?.ok_or_else(invalid_token)?;
    if record.kind != TokenKind::Access || !record.is_live(now_unix()) {
        return Err(invalid_token());
    }
    let client_id = record.client_id.ok_or_else(invalid_token)?;
    let client = state.storage.oauth_client(&client_id).await?.filter(|client| !client.disabled);
    if client.is_none() {
        return Err(invalid_token());
    }
    let user = state.storage.user(&record.user_id).await?.ok_or_else(invalid_token)?;
    Ok(Caller { key_id: format!("oauth:{client_id}:{}", user.id), user, scopes: record.scopes })
}

/// The middleware of the authenticated routes (see the module docs).
pub async fn authorize(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = matched.as_ref().map_or("", MatchedPath::as_str);
    let Some(spec) = route_spec(request.method(), path) else {
        return ApiError::internal("a route has no entry in the route table", path).into_response();
    };
    let caller = match authenticate(&state, request.headers()).await {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    let missing: Vec<Scope> = spec.scopes().iter().copied().filter(|scope| !caller.scopes.contains(scope)).collect();
    if !missing.is_empty() {
        return ApiError::missing_scopes(&missing).into_response();
    }
    let decision = state.limiter.check(&caller.key_id);
    if !decision.allowed {
        let error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests with this API key; retry in {} s", decision.reset_secs),
        )
        .with_header(axum::http::header::RETRY_AFTER, HeaderValue::from(decision.reset_secs));
        let mut response = error.into_response();
        rate_headers(response.headers_mut(), decision);
        return response;
    }
    request.extensions_mut().insert(std::sync::Arc::new(caller));
    let mut response = next.run(request).await;
    rate_headers(response.headers_mut(), decision);
    response
}

fn rate_headers(headers: &mut HeaderMap, decision: RateDecision) {
    if decision.limit == 0 {
        return;
    }
    for (name, value) in [
        ("x-ratelimit-limit", u64::from(decision.limit)),
        ("x-ratelimit-remaining", u64::from(decision.remaining)),
        ("x-ratelimit-reset", decision.reset_secs),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
}
