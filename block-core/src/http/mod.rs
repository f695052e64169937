//! Outbound HTTP for blocks: the client behind `ctx.http()`.
//!
//! Blocks reach the network only through an [`HttpClient`]. It enforces an
//! [`HttpPolicy`]:
//! - **SSRF guard** ([`guard`](self#ssrf-guard)): only `http`/`https`; hosts that are,
//!   or resolve to, private, loopback, link-local or reserved addresses are refused,
//!   every resolved address is checked at connect time (so DNS rebinding cannot
//!   slip through), and origins the provider trusts skip the check.
//! - **Redirects** are followed by hand (10 at most), each hop re-checked;
//!   `Authorization`, `Proxy-Authorization`, `Cookie` and every sensitive header are
//!   dropped when a hop changes origin; 303 (and 301/302 after a POST) become a
//!   bodiless GET, 307/308 keep method and body.
//! - **Retries** of idempotent requests on 408, 429, 500, 502, 503, 504 and failed
//!   connections, with full-jitter exponential back-off and `Retry-After`.
//! - **Limits**: a time limit per attempt and a response size cap (10 MiB).
//! - **No secrets in errors**: URLs in errors lose their user info and the values of
//!   secret-looking query parameters, and every secret given to the request builder
//!   is erased from error texts and `Debug` output.
//!
//! The network itself sits behind the [`Transport`] trait: [`ReqwestTransport`] in
//! production, [`MockTransport`] in tests, where an unmocked request fails and is
//! reported by name.
//!
//! ```
//! use std::sync::Arc;
//! use block_core::http::{Exchange, HttpClient, HttpPolicy, MockTransport};
//! use secrecy::SecretString;
//! use serde_json::json;
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let mock = Arc::new(MockTransport::new([Exchange::get("https://api.example.com/v1/me")
//!     .header("authorization", "Bearer t0ken")
//!     .respond_json(200, json!({"name": "Ada"}))]));
//! let client = HttpClient::new(HttpPolicy::default(), mock);
//! let token = SecretString::from("t0ken");
//! let me: serde_json::Value = client.get("https://api.example.com/v1/me").bearer_auth(&token).send().await?.json()?;
//! assert_eq!(me["name"], "Ada");
//! # Ok::<(), block_core::http::HttpError>(()) }).unwrap();
//! ```
//!
//! # SSRF guard
//! See [`blocked_range`] for the ranges (the IANA special-purpose entries that are
//! not globally reachable, multicast, and IPv6 outside `2000::/3`) and how IPv6
//! addresses embedding IPv4 ones are judged, and [`resolve_checked`] for the
//! connect-time half. A refusal names the address and its range only for an IP
//! address the caller wrote; for a host name it says only that the name resolves
//! to an address blocks may not reach. Tests that talk
//! to a server on 127.0.0.1 use the policy's `danger_allow_loopback_for_tests`,
//! which admits loopback and nothing else private, and which no configuration can
//! turn on.
//!
//! This module must never send a request the guard has not admitted, follow a
//! redirect without re-checking it, or print a credential.

mod client;
mod error;
mod guard;
mod policy;
mod ranges;
mod redact;
mod redirect;
mod request;
mod resolve;
mod response;
mod retry;
mod shared;
mod transport;

pub use client::HttpClient;
pub use error::{BlockReason, HttpError};
pub use guard::AddressCheck;
pub use policy::{HttpPolicy, RetryPolicy};
pub use ranges::blocked_range;
pub use redact::{RedactedUrl, is_secret_query_name};
pub use request::RequestBuilder;
pub use resolve::{ResolveError, Resolver, StaticResolver, SystemResolver, resolve_checked};
pub use response::Response;
/// Read by the OAuth refresh too, to pass a provider's wait on to the caller.
pub(crate) use retry::retry_after;
pub use shared::default_transport;
pub use transport::{
    Exchange, MockTransport, RecordedRequest, ReqwestTransport, ReqwestTransportBuilder, Transport, TransportRequest,
    TransportResponse,
};

/// Types blocks name when they handle responses and errors.
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
pub use url::Url;
