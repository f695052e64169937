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
mod trace;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::util::MapResponseLayer;
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
    let mut table = foldhash::HashMap::<String, Vec<_>>::default();
    for spec in routes::specs_of(authenticated.get_openapi(), &Access::Scopes(Vec::new())) {
        let scopes = spec.scopes().to_vec();
        table.entry(spec.path).or_default().push((spec.method, scopes));
    }
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
    // Each `layer` call boxes every route once more, and a request then clones
    // and boxes its route at each level: the authenticated routes' layers are
    // stacked in one call.
    let routes = authenticated
        .route_layer(
            ServiceBuilder::new()
                .layer(DefaultBodyLimit::max(settings.max_body_bytes))
                .layer(middleware::from_fn_with_state(access, access::authorize)),
        )
        .merge(public.layer(DefaultBodyLimit::max(settings.max_body_bytes)))
        .merge(ingress)
        .merge(oauth.layer(DefaultBodyLimit::max(settings.max_body_bytes)))
        .merge(openapi::docs_router(document))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        // The log line needs the matched route, known only inside the router.
        .layer(trace::TraceLayer);
    // The rest wraps the router once, not each of its routes (`Router::layer`
    // boxes every route in every layer, and a request then clones and boxes its
    // route's whole stack): ids, the concurrency limit and the timeout are the
    // same for every route.
    let stack = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(HeaderName::from_static(REQUEST_ID_HEADER), RequestIds))
        .layer(PropagateRequestIdLayer::new(HeaderName::from_static(REQUEST_ID_HEADER)))
        .layer(GlobalConcurrencyLimitLayer::new(settings.max_concurrent_requests.max(1)))
        .layer(MapResponseLayer::new(timed_out_in_words))
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
fn timed_out_in_words(response: Response) -> Response {
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

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    #[tokio::test]
    async fn a_timed_out_request_gets_the_error_shape_with_both_keys() {
        let bare = Response::builder().status(StatusCode::REQUEST_TIMEOUT).body(Body::empty()).expect("a response");
        let answered = timed_out_in_words(bare);
        assert_eq!(answered.status(), StatusCode::REQUEST_TIMEOUT);
        let body = axum::body::to_bytes(answered.into_body(), 4096).await.expect("a body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["error"]["code"], "request_timeout");
        assert_eq!(body["detail"], body["error"]["message"]);
    }

    #[tokio::test]
    async fn other_answers_pass_untouched() {
        let ok = Response::builder().status(StatusCode::OK).body(Body::from("fine")).expect("a response");
        let answered = timed_out_in_words(ok);
        let body = axum::body::to_bytes(answered.into_body(), 4096).await.expect("a body");
        assert_eq!(&body[..], b"fine");
    }
}
