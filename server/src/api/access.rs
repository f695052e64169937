//! The access layer of the authenticated routes.
//!
//! Order on every request: the route's scopes are looked up in the table built
//! from the routes' own declarations (a route without an entry is refused, so
//! none can be left open by mistake); the caller is authenticated (401 without
//! usable credentials); every required scope must be held (403 naming the missing
//! ones); the key's rate limit applies (429 with `Retry-After`). OAuth access
//! tokens get RFC 6750 `WWW-Authenticate` answers. Secrets presented are never
//! logged.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use super::extract::ClientAddr;
use crate::domain::Scope;
use crate::services::auth::{Presented, RateDecision};
use crate::services::{AppState, ServiceError};

/// The header carrying an API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The scopes each authenticated route requires, by path template, then method.
pub type ScopeTable = Arc<foldhash::HashMap<String, Vec<(Method, Vec<Scope>)>>>;

/// What the access layer needs.
#[derive(Clone)]
pub struct Access {
    /// The services.
    pub state: AppState,
    /// The scopes of every authenticated route.
    pub table: ScopeTable,
}

/// How the caller authenticated, for the shape of refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    ApiKey,
    Bearer,
    None,
}

/// The credentials a request presents: `X-API-Key` first, else `Authorization:
/// Bearer`.
fn presented(headers: &HeaderMap) -> Result<Option<Presented<'_>>, ApiError> {
    if let Some(key) = headers.get(API_KEY_HEADER) {
        let key = key.to_str().map_err(|_| ApiError::from(invalid_key()))?;
        return Ok(Some(Presented::ApiKey(key.trim())));
    }
    let Some(authorization) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let token = authorization
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .map(|(_, token)| token.trim());
    match token {
        Some(token) => Ok(Some(Presented::Bearer(token))),
        None => Err(bearer_challenge(
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_authorization",
                "Authorization must be `Bearer <access token>`",
            ),
            "invalid_request",
            None,
        )),
    }
}

fn invalid_key() -> ServiceError {
    ServiceError::new(crate::services::Refusal::Unauthenticated, "invalid_api_key", "the API key is not valid")
}

/// Adds RFC 6750's challenge to a refusal of a bearer token.
fn bearer_challenge(error: ApiError, code: &str, scope: Option<&str>) -> ApiError {
    let mut challenge = format!("Bearer realm=\"blocks\", error=\"{code}\"");
    if let Some(scope) = scope {
        challenge.push_str(&format!(", scope=\"{scope}\""));
    }
    match HeaderValue::from_str(&challenge) {
        Ok(value) => error.with_header(header::WWW_AUTHENTICATE, value),
        Err(_) => error,
    }
}

/// The middleware (see the module docs); it applies `Idempotency-Key` too
/// ([`super::idempotency`]).
pub async fn authorize(
    State(access): State<Access>,
    matched: Option<MatchedPath>,
    ClientAddr(client): ClientAddr,
    mut request: Request,
    next: Next,
) -> Response {
    let path = matched.as_ref().map_or("", MatchedPath::as_str);
    let required = access
        .table
        .get(path)
        .and_then(|methods| methods.iter().find(|(method, _)| method == request.method()).map(|(_, scopes)| scopes));
    let Some(required) = required else {
        return ApiError::from(ServiceError::internal("a route has no entry in the scope table", path)).into_response();
    };
    let presented = match presented(request.headers()) {
        Ok(presented) => presented,
        Err(error) => return error.into_response(),
    };
    let scheme = match presented {
        Some(Presented::ApiKey(_)) => Scheme::ApiKey,
        Some(Presented::Bearer(_)) => Scheme::Bearer,
        None => Scheme::None,
    };
    let Some(presented) = presented else {
        let error = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing_credentials",
            "authenticate with an API key in the X-API-Key header (`block-server keys create` makes one) or an \
             OAuth access token in `Authorization: Bearer`",
        );
        let error = error.with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"blocks\""));
        return error.into_response();
    };
    let caller = match access.state.authenticator().authenticate(presented, client).await {
        Ok(caller) => caller,
        Err(error) => {
            let unauthenticated = error.refusal() == crate::services::Refusal::Unauthenticated;
            let answer = ApiError::from(error);
            return match scheme {
                Scheme::Bearer if unauthenticated => bearer_challenge(answer, "invalid_token", None),
                _ => answer,
            }
            .into_response();
        }
    };
    // A token bound to another resource (RFC 8707), e.g. the MCP endpoint, is not
    // for this API.
    let api = crate::services::oauth_server::api_resource(&access.state.settings().public_url);
    if let Some(audience) = caller.audience.as_deref().filter(|audience| *audience != api) {
        let answer = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            format!("the access token was issued for {audience}, not for this API ({api})"),
        );
        return bearer_challenge(answer, "invalid_token", None).into_response();
    }
    let missing = caller.missing(required);
    if !missing.is_empty() {
        let answer = ApiError::from(ServiceError::missing_scopes(&missing));
        let names: Vec<&str> = required.iter().map(|scope| scope.as_str()).collect();
        return match scheme {
            Scheme::Bearer => bearer_challenge(answer, "insufficient_scope", Some(&names.join(" "))),
            _ => answer,
        }
        .into_response();
    }
    let decision = access.state.authenticator().admit(&caller);
    if !decision.allowed {
        let error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests with this API key; retry in {} s", decision.reset_secs),
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(decision.reset_secs));
        let mut response = error.into_response();
        rate_headers(response.headers_mut(), decision);
        return response;
    }
    request.extensions_mut().insert(caller.clone());
    let mut response = super::idempotency::answer(&access.state, &caller, path, request, next).await;
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
