//! The HTTP API, and nothing but HTTP: the External API v1 under
//! `/external-api/v1`, webhook ingress under `/api/integrations`, the OAuth 2
//! authorization server under `/oauth`, the OpenAPI document and Swagger UI,
//! `/healthz`. Handlers are leaves: they read the request, call a service, and
//! shape its answer; the work is in [`crate::services`].
//!
//! Every route is declared once, on its handler (`#[utoipa::path]`: method,
//! path, scopes, request and response types); the router ([`routes`]), the scope
//! table of the access layer ([`access`]), the OpenAPI document ([`openapi`]) and
//! the scope-matrix test are all read from those declarations.

pub mod access;
mod blocks;
mod error;
mod execute;
pub mod extract;
mod graph_triggers;
mod graphs;
mod health;
mod idempotency;
mod identity;
mod integrations;
mod oauth;
pub mod openapi;
mod polls;
mod provider_oauth;
pub mod routes;
mod runs;
mod schedules;
mod store;
mod store_publish;
mod tools;
mod webhooks;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;

pub use error::{ApiError, ErrorBody};
pub use routes::{Access, RouteSpec, routes};

use crate::domain::new_run_id;
use crate::services::AppState;

/// The header carrying each request's id (made here unless the client sent one;
/// echoed in the answer and in every log line of the request).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The largest webhook delivery any provider sends (GitHub: 25 MB); the
/// dispatcher holds each provider to its own limit.
const INGRESS_BODY_LIMIT: usize = 32 << 20;

/// The whole API as an axum router, ready to serve or to mount in another app.
pub fn router(state: AppState) -> Router {
    let authenticated = routes::authenticated();
    let table: HashMap<_, _> = routes::specs_of(authenticated.get_openapi(), &Access::Scopes(Vec::new()))
        .into_iter()
        .map(|spec| ((spec.method.clone(), spec.path.clone()), spec.scopes().to_vec()))
        .collect();
    let public = routes::public();
    let ingress = routes::ingress();
    let oauth = routes::oauth_protocol();
    let document = openapi::document(routes::declared(), state.registry(), &state.settings().public_url);
    let access = access::Access { state: state.clone(), table: Arc::new(table) };
    let (authenticated, _) = authenticated.split_for_parts();
    let (public, _) = public.split_for_parts();
    let (oauth, _) = oauth.split_for_parts();
    let (ingress, _) = ingress.split_for_parts();
    let ingress = ingress.layer(DefaultBodyLimit::max(INGRESS_BODY_LIMIT));
    let settings = state.settings().clone();
    let routes = authenticated
        .route_layer(middleware::from_fn_with_state(state.clone(), idempotency::idempotency))
        .route_layer(middleware::from_fn_with_state(access, access::authorize))
        .layer(DefaultBodyLimit::max(settings.max_body_bytes))
        .merge(public.layer(DefaultBodyLimit::max(settings.max_body_bytes)))
        .merge(ingress)
        .merge(oauth.layer(DefaultBodyLimit::max(settings.max_body_bytes)))
        .merge(openapi::docs_router(document))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        // The log line needs the matched route, known only inside the router.
        .layer(middleware::from_fn(trace));
    // The rest wraps the router once, not each of its routes (`Router::layer`
    // boxes every route in every layer, and a request then clones and boxes its
    // route's whole stack): ids, the concurrency limit and the timeout are the
    // same for every route.
    let stack = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(HeaderName::from_static(REQUEST_ID_HEADER), RequestIds))
        .layer(PropagateRequestIdLayer::new(HeaderName::from_static(REQUEST_ID_HEADER)))
        .layer(GlobalConcurrencyLimitLayer::new(settings.max_concurrent_requests.max(1)))
        .layer(middleware::map_response(timed_out_in_words))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.execution_timeout + Duration::from_secs(30),
        ))
        .service(routes);
    Router::new().fallback_service(stack)
}

/// Request ids: UUID v7, made as run ids are (no system call per request).
#[derive(Debug, Clone, Copy)]
struct RequestIds;

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _request: &http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&new_run_id().to_string()).ok().map(RequestId::new)
    }
}

/// The request timeout answers 408 with no body; give it the error shape every
/// other refusal has.
async fn timed_out_in_words(response: Response) -> Response {
    if response.status() == StatusCode::REQUEST_TIMEOUT && !response.headers().contains_key(header::CONTENT_TYPE) {
        return ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request took too long and was stopped",
        )
        .into_response();
    }
    response
}

async fn not_found() -> ApiError {
    ApiError::no_route()
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not take that method")
}

/// Logs each request: its id, method, route template (never the raw path or
/// query, which may carry ids or secrets), status and duration. Headers and
/// bodies are never logged.
async fn trace(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_default();
    let response = next.run(request).await;
    let (route, status) = (route.as_ref().map_or("<unmatched>", MatchedPath::as_str), response.status().as_u16());
    let elapsed_ms = started.elapsed().as_millis() as u64;
    // Answered requests are the bulk (a line each would cost a busy server a write
    // per request); refused and failed ones are what an operator looks for.
    if response.status().is_client_error() || response.status().is_server_error() {
        tracing::info!(request_id = %id, %method, route, status, elapsed_ms, "request");
    } else {
        tracing::debug!(request_id = %id, %method, route, status, elapsed_ms, "request");
    }
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    #[tokio::test]
    async fn a_timed_out_request_gets_the_error_shape_with_both_keys() {
        let bare = Response::builder().status(StatusCode::REQUEST_TIMEOUT).body(Body::empty()).expect("a response");
        let answered = timed_out_in_words(bare).await;
        assert_eq!(answered.status(), StatusCode::REQUEST_TIMEOUT);
        let body = axum::body::to_bytes(answered.into_body(), 4096).await.expect("a body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["error"]["code"], "request_timeout");
        assert_eq!(body["detail"], body["error"]["message"]);
    }

    #[tokio::test]
    async fn other_answers_pass_untouched() {
        let ok = Response::builder().status(StatusCode::OK).body(Body::from("fine")).expect("a response");
        let answered = timed_out_in_words(ok).await;
        let body = axum::body::to_bytes(answered.into_body(), 4096).await.expect("a body");
        assert_eq!(&body[..], b"fine");
    }
}
