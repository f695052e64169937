//! The swappable layer that sends one request and reads one response.
//!
//! A transport does no redirects and no retries: the [`HttpClient`](super::HttpClient)
//! does those by hand, so a mock transport exercises them exactly like the real one.

mod exchange;
mod mismatch;
mod mock;
mod reqwest_transport;

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use super::error::HttpError;
use super::guard::AddressCheck;
use super::redact::RedactedUrl;
use crate::BoxFuture;

pub use exchange::{Exchange, RecordedRequest};
pub use mock::MockTransport;
pub use reqwest_transport::{ReqwestTransport, ReqwestTransportBuilder};

/// Sends exactly one HTTP request and reads its whole response.
///
/// Implementations must:
/// - connect only to addresses that pass [`TransportRequest::address_check`] for
///   host names (the client has already checked IP literals on the URL), and fail
///   with [`HttpError::Blocked`] otherwise;
/// - not follow redirects and not retry;
/// - stop reading a body larger than [`TransportRequest::max_response_bytes`] and
///   fail with [`HttpError::TooLarge`];
/// - never put a header value or a raw URL into an error (use [`RedactedUrl`]).
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` and returns the response with its body read.
    fn send(&self, request: TransportRequest) -> BoxFuture<'_, Result<TransportResponse, HttpError>>;
}

/// One request as a [`Transport`] receives it.
#[derive(Clone)]
#[non_exhaustive]
pub struct TransportRequest {
    /// The method.
    pub method: Method,
    /// The URL, without user info.
    pub url: Url,
    /// The headers; credentials among them are marked sensitive.
    pub headers: HeaderMap,
    /// The body, empty for none.
    pub body: Bytes,
    /// The time limit for the whole exchange, body included.
    pub timeout: Duration,
    /// The largest response body accepted, in bytes.
    pub max_response_bytes: u64,
    /// How strictly resolved addresses must be checked.
    pub address_check: AddressCheck,
}

impl TransportRequest {
    /// A bodiless request with 30 s and 10 MiB limits and the strict address check.
    pub fn new(method: Method, url: Url) -> Self {
        TransportRequest {
            method,
            url,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            timeout: Duration::from_secs(30),
            max_response_bytes: 10 * 1024 * 1024,
            address_check: AddressCheck::PublicOnly,
        }
    }
}

impl fmt::Debug for TransportRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportRequest")
            .field("method", &self.method)
            .field("url", &RedactedUrl::new(&self.url))
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("address_check", &self.address_check)
            .finish()
    }
}

/// One response as a [`Transport`] returns it.
#[derive(Clone)]
pub struct TransportResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The URL that answered (the request's: transports do not follow redirects).
    pub url: Url,
    /// The whole body.
    pub body: Bytes,
}

impl fmt::Debug for TransportResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportResponse")
            .field("status", &self.status)
            .field("url", &RedactedUrl::new(&self.url))
            .field("header_count", &self.headers.len())
            .field("body_len", &self.body.len())
            .finish()
    }
}
