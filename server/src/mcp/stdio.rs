//! The tools over standard input and output, for a local client that starts
//! the server itself (a desktop assistant): one session, acting for one caller.
//! Standard output carries nothing but the protocol.

use std::sync::Arc;

use rmcp::ServiceExt;

use super::adapter::McpServer;
use super::catalogue::Catalogue;
use crate::domain::Caller;
use crate::services::AppState;

/// Serves the tools of `state` to the client on stdin/stdout, as `caller`,
/// until the client closes its end.
pub async fn serve(state: AppState, caller: Caller) -> std::io::Result<()> {
    let catalogue = Arc::new(Catalogue::of(state.registry()));
    let server = McpServer::for_caller(state, catalogue, caller);
    let running = server.serve(rmcp::transport::stdio()).await.map_err(std::io::Error::other)?;
    running.waiting().await.map(|_| ()).map_err(std::io::Error::other)
}
