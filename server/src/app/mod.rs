//! The composition root: the server assembled from its doors ([`router`]) and
//! run ([`serve`]). Nothing below imports this module; the command line and the
//! binary sit above it.

mod database;
mod serve;
mod stdio;

use axum::Router;

pub use database::{open_database, open_storage, open_storage_async};
pub use serve::{Role, ServeConfig, ServeError, run_until, serve, shutdown_signal};
pub use stdio::serve_mcp_stdio;

use crate::services::AppState;

/// The whole server as an axum router, ready to serve or to mount in another
/// app: the HTTP API (see [`crate::api`]), the MCP endpoint (see
/// [`crate::mcp`]) and the web console at `/` (see [`crate::console`]).
pub fn router(state: AppState) -> Router {
    crate::mcp::router(state.clone()).merge(crate::api::router(state.clone())).merge(crate::console::router(state))
}
