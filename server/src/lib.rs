//! # block-server
//!
//! Serves every block linked into the binary over an HTTP API compatible with the
//! reference platform's External API v1, and offers a command line to list and run
//! them ([`cli`]).
//!
//! - [`router`] turns an [`AppState`] into an axum `Router` (mount it in another
//!   service, or run `block-server serve`): `/external-api/v1` (identity, blocks
//!   and their execution, JSON or Server-Sent Events, integrations and connecting
//!   provider accounts over OAuth, webhooks and trigger subscriptions), webhook
//!   ingress, `/external-api/openapi.json`, Swagger UI at `/external-api/docs`,
//!   `/healthz`.
//! - [`auth`]: API keys (hashed, scoped, revocable, rate limited), OAuth access
//!   tokens (`Authorization: Bearer`), and the route table's scope checks.
//! - [`oauth`]: the OAuth 2 authorization server (authorization code + PKCE S256,
//!   refresh rotation, revocation, introspection, RFC 8414 metadata) under
//!   `/oauth` and `/.well-known/oauth-authorization-server`.
//! - [`storage`]: users, keys, sealed credentials, credits and their ledger,
//!   webhooks, execution records; SQLite by default, behind a trait.
//! - [`crypto`]: the AEAD sealing credentials and webhook secrets at rest.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use block_server::{AppState, crypto::Cipher, storage::SqliteStorage};
//!
//! let storage = Arc::new(SqliteStorage::open(std::path::Path::new("data"))?);
//! let state = AppState::builder(block_core::Registry::global()?, storage, Cipher::new(&[0; 32])).build().await?;
//! let app = block_server::router(state); // an axum::Router, to serve or nest
//! # let _ = app; Ok(()) }
//! ```
//!
//! This crate must never print, log or return a stored secret, run a block whose
//! input failed validation, run a paid block before its credits are taken, or
//! panic on anything a caller sent.

pub mod api;
pub mod auth;
pub mod bootstrap;
pub mod cli;
pub mod credential_store;
pub mod crypto;
mod ids;
pub mod oauth;
pub mod openapi;
pub mod serve;
pub mod state;
pub mod storage;
pub mod webhook_store;

pub use api::router;
pub use state::{AppState, AppStateBuilder, OAuthLifetimes, Settings, SharedRegistry};

// Blocks register themselves through `inventory` at link time, and the linker only
// keeps a crate that something names. Nothing here names a block directly, so these
// imports are what puts the blocks into `Registry::global()`.
use block_examples as _;
use block_providers as _;
