//! The integration tests of block-core, in one test binary so that CI links it once.
//! `registry.rs` links a block the global registry refuses, and `executor.rs` needs the
//! global registry valid: each has a binary of its own.

mod credentials;
mod former_spellings;
mod graph_run;
mod graph_subgraphs;
mod graph_support;
mod graph_validation;
mod harness;
mod harness_http;
mod harness_poll;
mod hostile_input;
mod http_limits;
mod http_mock;
mod http_ranges;
mod http_redirects;
mod http_retry;
mod http_secrets;
mod http_ssrf;
mod http_support;
mod oauth;
mod prepare;
mod registry_check;
mod registry_wire;
mod schema_wire;
mod webhooks;
