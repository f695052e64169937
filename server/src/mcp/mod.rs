//! MCP: every block (and the caller's agents) as a tool for AI clients, over Streamable HTTP (`/mcp`) and
//! stdio (`block-server mcp`). A door like [`crate::api`]: nothing imports it,
//! and it does its work through [`crate::services`].
//!
//! - [`catalogue`]: the tools (names, descriptions, strict schemas), filtered by
//!   the caller's scopes and paged.
//! - [`schema`]: tool schemas a strict client accepts.
//! - [`calls`]: a tool call on the same path as `POST /blocks/{id}/execute`.
//! - [`agents`]: the caller's graphs as tools, run on the run engine.
//! - `adapter`: the only code that names the MCP SDK's (rmcp's) types.
//! - [`http`]: `/mcp`, its authentication, and the RFC 9728 metadata.
//! - [`stdio`]: the same tools over standard input and output.
//!
//! This module must never log or answer a secret, and never run a call the
//! caller's scopes do not allow.

mod adapter;
pub mod agents;
pub mod calls;
pub mod catalogue;
pub mod http;
pub mod schema;
pub mod stdio;

pub use catalogue::{Catalogue, ToolEntry};
pub use http::{MCP_PATH, resource, router};
