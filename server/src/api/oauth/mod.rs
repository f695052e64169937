//! The authorization server's HTTP endpoints: browser pages and redirects for
//! consent and sign-in, forms in and JSON out (RFC 6749's error shape) for the
//! token, revocation and introspection endpoints. None of them takes an API key:
//! they authenticate clients and users themselves.

mod authorize;
mod pages;
mod register;
pub(super) mod token;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::services::AppState;

/// The authorization server's routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(authorize::show, authorize::decide))
        .routes(routes!(authorize::login))
        .routes(routes!(token::token))
        .routes(routes!(token::revoke))
        .routes(routes!(token::introspect))
        .routes(routes!(register::register))
}
