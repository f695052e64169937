//! The HTTP API over real connections on 127.0.0.1.

// The blocks the tests call: linking the crates registers them.
use block_examples as _;
use block_providers as _;

mod support;
mod test_blocks;

mod auth;
mod auth_limits;
mod auto_webhooks;
mod blocks;
mod credentials;
mod credits;
mod docs;
mod graph_triggers;
mod graphs;
mod oauth;
mod operations;
mod persistence;
mod polls;
mod provider_oauth;
mod run_queue;
mod runs;
mod schedules;
mod scopes;
mod storage;
mod store;
mod store_credentials;
mod tools;
mod webhooks;
mod wire;
