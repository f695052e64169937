//! The HTTP API: the External API v1 under `/external-api/v1`, webhook ingress
//! under `/api/integrations`, the OpenAPI document and Swagger UI, `/healthz`.

mod blocks;
mod body;
mod error;
mod execute;
mod identity;
mod integrations;
mod provider_oauth;
mod routes;
mod run_record;
mod webhooks;

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::json;

pub use error::ApiError;
pub use routes::{Access, ROUTES, RouteSpec, Verb, route_spec};

use crate::auth::authorize;
use crate::state::AppState;

/// The whole server as an axum router, ready to serve or to mount in another app.
pub fn router(state: AppState) -> Router {
    let authenticated = Router::new()
        .route("/external-api/v1/me", get(identity::me))
        .route("/external-api/v1/credits", get(identity::credits))
        .route("/external-api/v1/blocks", get(blocks::list))
        .route("/external-api/v1/blocks/{id}", get(blocks::show))
        .route("/external-api/v1/blocks/{id}/execute", post(execute::execute))
        .route("/external-api/v1/blocks/{id}/execute/stream", post(execute::execute_stream))
        .route("/external-api/v1/integrations/providers", get(integrations::providers))
        .route("/external-api/v1/integrations/credentials", get(integrations::list_all))
        .route(
            "/external-api/v1/integrations/{provider}/credentials",
            get(integrations::list_for_provider).post(integrations::create),
        )
        .route("/external-api/v1/integrations/{provider}/credentials/{cred_id}", delete(integrations::delete))
        .route("/external-api/v1/integrations/{provider}/oauth/initiate", post(provider_oauth::initiate))
        .route("/external-api/v1/integrations/{provider}/oauth/complete", post(provider_oauth::complete))
        .route("/external-api/v1/webhooks", get(webhooks::list_webhooks))
        .route("/external-api/v1/webhooks/{webhook_id}", delete(webhooks::delete_webhook))
        .route("/external-api/v1/triggers", get(webhooks::list_triggers).post(webhooks::create_trigger))
        .route("/external-api/v1/triggers/{subscription_id}", delete(webhooks::delete_trigger))
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize));
    let public = Router::new()
        .route("/healthz", get(health))
        .route("/api/integrations/{provider}/webhooks/{webhook_id}/ingress", post(webhooks::ingress));
    authenticated
        .merge(public)
        .merge(crate::oauth::router())
        .merge(crate::openapi::docs_router(&state))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .layer(middleware::from_fn(trace))
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Response {
    match state.storage.ping().await {
        Ok(()) => Json(json!({"status": "ok"})).into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: the storage does not answer");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", "the storage does not answer")
                .into_response()
        }
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found("route_not_found", "no such route; see /external-api/docs")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not take that method")
}

/// Logs each request: method, route template (never the raw path or query, which
/// may carry ids or secrets), status and duration. Headers and bodies are never
/// logged.
async fn trace(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let (route, status) = (route.as_ref().map_or("<unmatched>", MatchedPath::as_str), response.status().as_u16());
    let elapsed_ms = started.elapsed().as_millis() as u64;
    // Answered requests are the bulk (a line each would cost a busy server a write
    // per request); refused and failed ones are what an operator looks for.
    if response.status().is_client_error() || response.status().is_server_error() {
        tracing::info!(%method, route, status, elapsed_ms, "request");
    } else {
        tracing::debug!(%method, route, status, elapsed_ms, "request");
    }
    response
}
