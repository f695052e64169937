//! The web console at `/`: pages a person reads in a browser, rendered on the
//! server (HTML written by hand, every value escaped), with one stylesheet and
//! one small script compiled into the binary. It is a door like [`crate::api`]:
//! nothing imports it, and it calls the services, never the storage.
//!
//! Signing in spends a one-time link or checks an API key, and opens a session
//! (cookie `HttpOnly`, `SameSite=Lax`, `Secure` over https); every
//! state-changing form carries the session's anti-forgery value. The console
//! acts with the signed-in user's data only.

mod agent_page;
mod agents;
mod assets;
mod block_page;
mod catalogue;
mod credentials;
mod diagram;
mod form;
mod html;
mod keys;
mod plan_forms;
mod plans;
mod run_block;
mod runs;
mod schedules;
mod session;
mod signin;
mod triggers;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;

pub use session::{SESSION_COOKIE, Viewer};

use crate::services::{AppState, Refusal, ServiceError};

/// The console's routes, over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/assets/console.css", get(assets::css))
        .route("/assets/console.js", get(assets::js))
        .route("/login", get(signin::show).post(signin::with_key))
        .route("/logout", post(signin::logout))
        .route("/", get(catalogue::index))
        .route("/blocks/{id}", get(block_page::show))
        .route("/blocks/{id}/run", post(run_block::run))
        .route("/blocks/{id}/schedule", post(plans::schedule))
        .route("/blocks/{id}/subscribe", post(plans::subscribe))
        .route("/agents", get(agents::index).post(agents::import))
        .route("/agents/{id}", get(agent_page::show))
        .route("/agents/{id}/run", post(agent_page::run))
        .route("/agents/{id}/schedule", post(agent_page::schedule))
        .route("/agents/{id}/export", get(agent_page::export))
        .route("/agents/{id}/delete", post(agent_page::delete))
        .route("/credentials", get(credentials::index).post(credentials::add))
        .route("/credentials/{provider}/{id}/delete", post(credentials::delete))
        .route("/credentials/{provider}/connect", post(credentials::connect))
        .route("/credentials/{provider}/callback", get(credentials::callback))
        .route("/runs", get(runs::index))
        .route("/runs/feed", get(runs::feed))
        .route("/runs/{id}", get(runs::show))
        .route("/runs/{id}/events", get(runs::events))
        .route("/runs/{id}/stop", post(runs::stop))
        .route("/schedules", get(schedules::index).post(schedules::create))
        .route("/schedules/{id}/delete", post(schedules::delete))
        .route("/triggers", get(triggers::index))
        .route("/triggers/{id}/delete", post(triggers::delete_trigger))
        .route("/webhooks/{id}/delete", post(triggers::delete_webhook))
        .route("/polls/{id}/delete", post(triggers::delete_poll))
        .route("/keys", get(keys::index).post(keys::create))
        .route("/keys/{id}/revoke", post(keys::revoke))
        .route("/credits", get(keys::credits))
        .with_state(state.clone())
        // A run streamed to a page lasts as long as the block may run.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.settings().execution_timeout + Duration::from_secs(30),
        ))
        .layer(PropagateRequestIdLayer::new(HeaderName::from_static(REQUEST_ID)))
        .layer(SetRequestIdLayer::new(HeaderName::from_static(REQUEST_ID), MakeRequestUuid))
}

/// The header carrying each request's id, as on the API.
const REQUEST_ID: &str = "x-request-id";

/// The client's address, when the server was started with connection info.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())))
    }
}

/// The HTTP status of a refusal.
pub fn status_of(refusal: Refusal) -> StatusCode {
    StatusCode::from_u16(refusal.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A page saying why a service refused.
pub fn error_page(viewer: &Viewer, current: &str, error: &ServiceError) -> Response {
    let title = match error.refusal() {
        Refusal::NotFound => "Not found",
        Refusal::Internal => "Server error",
        Refusal::Unavailable => "Try again shortly",
        _ => "Not done",
    };
    html::page(status_of(error.refusal()), &shell(viewer, current), title, &html::notice("error", error.message()))
}

/// The page answering a form that did not carry the session's anti-forgery value.
pub fn forbidden(viewer: &Viewer) -> Response {
    html::page(
        StatusCode::FORBIDDEN,
        &shell(viewer, ""),
        "Form expired",
        &html::notice("error", "This form did not come from this session's page: reload the page and send it again."),
    )
}

/// The shell of a page `viewer` looks at, with `current` marked in the navigation.
pub fn shell<'a>(viewer: &'a Viewer, current: &'a str) -> html::Shell<'a> {
    html::Shell { user: Some(&viewer.user.name), csrf: &viewer.csrf, current }
}

/// Whether a request without a session yet (the sign-in form) came from a page
/// of this server: its `Origin`, when the browser sent one, names this host.
pub fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|value| value.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    origin_host.eq_ignore_ascii_case(host) || origin.eq_ignore_ascii_case(&state.settings().public_url)
}
