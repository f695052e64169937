//! `/mcp` over Streamable HTTP, and the RFC 9728 metadata that lets a client
//! find the authorization server from a 401.
//!
//! Every request authenticates as on every other route (`X-API-Key` first, else
//! `Authorization: Bearer`), with the same per-key limit; an OAuth access token
//! must have been issued for this resource (RFC 8707 `resource`), so a token
//! meant for another audience is refused here. A refusal carries
//! `WWW-Authenticate: Bearer resource_metadata="..."`.
//!
//! A session (of the protocol revisions that have them) belongs to the user who
//! opened it: another user presenting its id is answered as if it did not
//! exist. Each request still acts for the caller it authenticates.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;

use super::adapter::McpServer;
use super::catalogue::Catalogue;
use crate::domain::Scope;
use crate::services::auth::Presented;
use crate::services::{AppState, Refusal, ServiceError};

/// The header naming a session.
const SESSION_HEADER: &str = "mcp-session-id";

/// Sessions whose owner is remembered; past that the oldest are forgotten (and
/// then checked by the session manager alone).
const MAX_SESSIONS: usize = 10_000;

/// What the endpoint's middleware holds.
#[derive(Clone)]
struct Door {
    state: AppState,
    sessions: Arc<SessionOwners>,
}

/// Which user opened each session.
#[derive(Default)]
struct SessionOwners {
    owners: Mutex<(HashMap<String, String>, VecDeque<String>)>,
}

impl SessionOwners {
    fn owner(&self, session: &str) -> Option<String> {
        self.owners.lock().unwrap_or_else(PoisonError::into_inner).0.get(session).cloned()
    }

    fn opened(&self, session: String, user: String) {
        let mut guard = self.owners.lock().unwrap_or_else(PoisonError::into_inner);
        let (owners, order) = &mut *guard;
        if owners.insert(session.clone(), user).is_none() {
            order.push_back(session);
        }
        while order.len() > MAX_SESSIONS {
            if let Some(oldest) = order.pop_front() {
                owners.remove(&oldest);
            }
        }
    }

    fn closed(&self, session: &str) {
        let mut guard = self.owners.lock().unwrap_or_else(PoisonError::into_inner);
        let (owners, order) = &mut *guard;
        if owners.remove(session).is_some() {
            order.retain(|id| id != session);
        }
    }
}

/// Where the MCP endpoint is served.
pub const MCP_PATH: &str = "/mcp";

/// Where its protected-resource metadata is served (RFC 9728: the well-known
/// prefix, then the resource's path); the bare prefix serves the same document.
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// The resource identifier of the MCP endpoint of a server reached at
/// `public_url`: what tokens for it are bound to.
pub fn resource(public_url: &str) -> String {
    crate::services::oauth_server::mcp_resource(public_url)
}

fn metadata_url(public_url: &str) -> String {
    format!("{}{METADATA_PATH}{MCP_PATH}", public_url.trim_end_matches('/'))
}

/// The `/mcp` endpoint and its metadata, as a router to merge into the app.
pub fn router(state: AppState) -> Router {
    let catalogue = Arc::new(Catalogue::of(state.registry()));
    let server = McpServer::per_request(state.clone(), catalogue);
    let settings = state.settings();
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(allowed_hosts(&settings.public_url))
        .with_max_request_body_bytes(settings.max_body_bytes);
    let service =
        StreamableHttpService::new(move || Ok(server.clone()), Arc::new(LocalSessionManager::default()), config);
    let door = Door { state: state.clone(), sessions: Arc::default() };
    Router::new()
        .route_service(MCP_PATH, service)
        .route_layer(middleware::from_fn_with_state(door, authenticate))
        .route(METADATA_PATH, get(metadata))
        .route(&format!("{METADATA_PATH}{MCP_PATH}"), get(metadata))
        .with_state(state)
}

/// The `Host`s the endpoint answers: loopback, and the public URL's host.
fn allowed_hosts(public_url: &str) -> Vec<String> {
    let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"].into_iter().map(str::to_owned).collect();
    if let Ok(url) = url::Url::parse(public_url)
        && let Some(host) = url.host_str()
    {
        hosts.push(host.trim_matches(['[', ']']).to_owned());
    }
    hosts
}

/// RFC 9728: which authorization server issues tokens for `/mcp`, and how to
/// present them.
async fn metadata(State(state): State<AppState>) -> Response {
    let url = &state.settings().public_url;
    let scopes: Vec<&str> = Scope::ALL.iter().map(|scope| scope.as_str()).collect();
    let mut response = Json(json!({
        "resource": resource(url),
        "authorization_servers": [url],
        "scopes_supported": scopes,
        "bearer_methods_supported": ["header"],
        "resource_name": "Blocks (MCP)",
    }))
    .into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    response
}

/// What a request presents: `X-API-Key` first, else a bearer token; `Err` for
/// an `Authorization` header of another shape.
fn presented(headers: &HeaderMap) -> Result<Option<Presented<'_>>, &'static str> {
    if let Some(key) = headers.get("x-api-key") {
        return key.to_str().map(|key| Some(Presented::ApiKey(key.trim()))).map_err(|_| "the API key is not valid");
    }
    let Some(authorization) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    authorization
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .map(|(_, token)| Some(Presented::Bearer(token.trim())))
        .ok_or("Authorization must be `Bearer <access token>`")
}

/// Authenticates the request and hands the caller to the MCP server.
async fn authenticate(State(door): State<Door>, mut request: Request, next: Next) -> Response {
    let state = &door.state;
    let url = &state.settings().public_url;
    let client = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let presented = match presented(request.headers()) {
        Ok(Some(presented)) => presented,
        Ok(None) => {
            let message = "authenticate with an OAuth access token for this resource (see the resource_metadata of \
                           WWW-Authenticate) or an API key in X-API-Key";
            return refuse(url, StatusCode::UNAUTHORIZED, None, message);
        }
        Err(message) => return refuse(url, StatusCode::UNAUTHORIZED, Some("invalid_request"), message),
    };
    let bearer = matches!(presented, Presented::Bearer(_));
    let caller = match state.authenticator().authenticate(presented, client).await {
        Ok(caller) => caller,
        Err(error) => return refused(url, &error, bearer),
    };
    if bearer && caller.audience.as_deref() != Some(resource(url).as_str()) {
        let message =
            format!("the access token was not issued for this resource; ask for one with resource={}", resource(url));
        return refuse(url, StatusCode::UNAUTHORIZED, Some("invalid_token"), &message);
    }
    let decision = state.authenticator().admit(&caller);
    if !decision.allowed {
        let error = ServiceError::new(
            Refusal::RateLimited,
            "rate_limited",
            format!("too many requests with these credentials; retry in {} s", decision.reset_secs),
        )
        .retry_after(decision.reset_secs);
        return refused(url, &error, bearer);
    }
    let session = request.headers().get(SESSION_HEADER).and_then(|value| value.to_str().ok()).map(str::to_owned);
    if let Some(session) = &session
        && door.sessions.owner(session).is_some_and(|owner| owner != caller.user.id)
    {
        let body = json!({"error": {"code": "session_not_found", "message": "no such session; initialize a new one"}});
        return (StatusCode::NOT_FOUND, Json(body)).into_response();
    }
    let (user, deleting) = (caller.user.id.clone(), request.method() == axum::http::Method::DELETE);
    request.extensions_mut().insert(caller);
    let response = next.run(request).await;
    match (&session, response.headers().get(SESSION_HEADER).and_then(|value| value.to_str().ok())) {
        (None, Some(opened)) => door.sessions.opened(opened.to_owned(), user),
        (Some(session), _) if deleting && response.status().is_success() => door.sessions.closed(session),
        _ => {}
    }
    response
}

fn refused(url: &str, error: &ServiceError, bearer: bool) -> Response {
    let (status, code) = match error.refusal() {
        Refusal::Unauthenticated => (StatusCode::UNAUTHORIZED, bearer.then_some("invalid_token")),
        Refusal::RateLimited => (StatusCode::TOO_MANY_REQUESTS, None),
        Refusal::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, None),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, None),
    };
    let mut response = refuse(url, status, code, error.message());
    if let Some(secs) = error.retry_after_secs() {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// A refusal in the API's error shape, with RFC 6750 / RFC 9728's challenge.
fn refuse(url: &str, status: StatusCode, code: Option<&str>, message: &str) -> Response {
    let mut challenge = format!("Bearer resource_metadata=\"{}\"", metadata_url(url));
    if let Some(code) = code {
        challenge.push_str(&format!(", error=\"{code}\""));
    }
    let body = json!({"error": {"code": code.unwrap_or("unauthenticated"), "message": message}});
    let mut response = (status, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}
