//! # block-server
//!
//! Serves the blocks of a [`block_core::Registry`] over an HTTP API compatible
//! with the reference platform's External API v1, and offers a command line to
//! list and run them ([`cli`]).
//!
//! Layers, each importing only those below it:
//!
//! - [`domain`]: ids, users and callers, scopes, the server's secrets (random
//!   tokens, hashes, PKCE, sealing at rest), time, the records kept.
//! - [`storage`]: one trait per aggregate, and the SQLite backend.
//! - [`services`]: what the server does, transport-free: authentication and
//!   limits, runs and billing, credentials, webhooks and triggers, the OAuth
//!   authorization server.
//! - [`api`]: HTTP only: routes declared once with their scopes and types, the
//!   OpenAPI document, Swagger UI.
//! - [`mcp`]: the blocks as MCP tools, over `/mcp` and stdio.
//! - [`console`]: the web console at `/`, pages for a person, over the same
//!   services.
//! - [`app`]: the composition root: [`router`] and [`serve`].
//! - [`cli`]: the command line.
//!
//! Another service embeds it in one call, with its own blocks:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let registry = block_core::Registry::builder().build()?; // add your blocks here
//! block_server::serve(block_server::ServeConfig::default(), registry, |name| std::env::var(name).ok(), &mut std::io::stdout())
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! or builds the state by hand and mounts [`router`]:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use block_server::{AppState, domain::Cipher, storage::SqliteStorage};
//!
//! let storage = Arc::new(SqliteStorage::open_async(std::path::Path::new("data")).await?);
//! let state = AppState::builder(block_core::Registry::global()?, storage, Cipher::new(&[0; 32])).build().await?;
//! let app = block_server::router(state); // an axum::Router, to serve or nest
//! # let _ = app; Ok(()) }
//! ```
//!
//! The library links no blocks: the `block-server` binary links the ready-made
//! ones (`block-providers`, `block-examples`).
//!
//! This crate must never print, log or return a stored secret, run a block whose
//! input failed validation, run a paid block before its credits are taken, or
//! panic on anything a caller sent.

pub mod api;
pub mod app;
pub mod cli;
pub mod console;
pub mod domain;
pub mod mcp;
pub mod services;
pub mod storage;

pub use app::{ServeConfig, ServeError, router, serve};
pub use services::{AppState, AppStateBuilder, OAuthLifetimes, Settings, SharedRegistry};
