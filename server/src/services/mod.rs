//! What the server does, without any transport: the services every door (the
//! HTTP API, the command line, and later MCP and the console) calls.
//!
//! - [`AppState`]: the registry, the storage, the executor and the settings,
//!   shared by every service.
//! - [`auth`]: who is calling (API keys, OAuth access tokens) and the limits on
//!   both.
//! - [`runs`]: running blocks, with billing and run records.
//! - [`graphs`]: users' graphs (agents) in versions, and starting graph runs.
//! - [`credentials`]: users' credentials, sealed, and what the API does with them;
//!   [`provider_login`]: connecting an account at a provider over OAuth.
//! - [`triggers`]: webhook deliveries and trigger subscriptions;
//!   [`graph_triggers`]: the ones that start graphs.
//! - [`schedules`]: blocks run on cron patterns, and the scheduler.
//! - [`polls`]: polling triggers, and the poller.
//! - [`store`]: the store (profiles, publishing, browsing, ratings) and the
//!   tools over store agents.
//! - [`oauth_server`]: the OAuth 2 authorization server; [`sessions`]: signed-in
//!   browsers; [`accounts`]: the local user, API keys and sign-in links.
//!
//! Services return [`ServiceError`]s, whose [`Refusal`] kind each door maps to
//! its own answer. They never see HTTP, and never touch the database but through
//! the storage traits.

pub mod accounts;
pub mod auth;
pub mod credentials;
mod error;
pub mod graph_triggers;
pub mod graphs;
pub mod oauth_server;
pub mod polls;
pub mod provider_login;
pub mod run_input;
pub mod runs;
pub mod schedules;
pub mod sessions;
mod state;
pub mod store;
pub mod triggers;
mod webhook_store;

pub use error::{Refusal, ServiceError};
pub use state::{AppState, AppStateBuilder, OAuthLifetimes, Settings, SharedRegistry, StateError};
pub use webhook_store::SealedWebhookStore;
