//! What a test declares for the [`MockTransport`](super::MockTransport): expected
//! requests and their answers, and the record of the requests it received.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;
use url::Url;

use super::mismatch::{Difference, Expected, ExpectedBody, differences};
use crate::http::redact::RedactedUrl;

/// A request as the mock saw it.
#[derive(Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// The full URL (query values included: this is test data).
    pub url: Url,
    /// The headers as sent.
    pub headers: HeaderMap,
    /// The body as sent.
    pub body: Bytes,
}

impl RecordedRequest {
    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl fmt::Display for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, RedactedUrl::new(&self.url))
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("url", &RedactedUrl::new(&self.url))
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// One request a test expects and the answer it gets.
///
/// Declaring an exchange panics on a malformed URL, status or header: these are
/// mistakes in the test itself.
#[derive(Clone)]
pub struct Exchange {
    method: Method,
    url: Url,
    any_query: bool,
    body: BodyMatch,
    headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) repeatable: bool,
    pub(super) delay: Option<Duration>,
    pub(super) reply: Reply,
}

type BodyPredicate = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

#[derive(Clone)]
enum BodyMatch {
    Any,
    Exact(Bytes),
    Json(Value),
    Predicate(BodyPredicate),
}

#[derive(Clone)]
pub(super) enum Reply {
    Respond { status: StatusCode, headers: HeaderMap, body: Bytes },
    ConnectError,
}

impl Reply {
    pub(super) fn body_len(&self) -> usize {
        match self {
            Reply::Respond { body, .. } => body.len(),
            Reply::ConnectError => 0,
        }
    }
}

impl Exchange {
    /// Expects `method` on `url`; answers `200 OK` with an empty body until told otherwise.
    #[track_caller]
    pub fn new(method: Method, url: &str) -> Self {
        let url = Url::parse(url).unwrap_or_else(|error| panic!("mocked exchange URL `{url}` is invalid: {error}"));
        Exchange {
            method,
            url,
            any_query: false,
            body: BodyMatch::Any,
            headers: Vec::new(),
            repeatable: false,
            delay: None,
            reply: Reply::Respond { status: StatusCode::OK, headers: HeaderMap::new(), body: Bytes::new() },
        }
    }

    /// Expects a `GET`.
    #[track_caller]
    pub fn get(url: &str) -> Self {
        Self::new(Method::GET, url)
    }

    /// Expects a `POST`.
    #[track_caller]
    pub fn post(url: &str) -> Self {
        Self::new(Method::POST, url)
    }

    /// Expects a `PUT`.
    #[track_caller]
    pub fn put(url: &str) -> Self {
        Self::new(Method::PUT, url)
    }

    /// Expects a `PATCH`.
    #[track_caller]
    pub fn patch(url: &str) -> Self {
        Self::new(Method::PATCH, url)
    }

    /// Expects a `DELETE`.
    #[track_caller]
    pub fn delete(url: &str) -> Self {
        Self::new(Method::DELETE, url)
    }

    /// Matches whatever the query string is.
    pub fn any_query(mut self) -> Self {
        self.any_query = true;
        self
    }

    /// Requires a body that parses as JSON equal to `body`.
    pub fn json_body(mut self, body: Value) -> Self {
        self.body = BodyMatch::Json(body);
        self
    }

    /// Requires exactly these body bytes.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = BodyMatch::Exact(body.into());
        self
    }

    /// Requires a body for which `predicate` holds.
    pub fn body_matches(mut self, predicate: impl Fn(&[u8]) -> bool + Send + Sync + 'static) -> Self {
        self.body = BodyMatch::Predicate(Arc::new(predicate));
        self
    }

    /// Requires a header with exactly this value.
    #[track_caller]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push(header_pair(name, value));
        self
    }

    /// Lets the exchange answer any number of matching requests.
    pub fn repeatable(mut self) -> Self {
        self.repeatable = true;
        self
    }

    /// Waits this long before answering (with paused tokio time in tests, this
    /// costs no real time).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Answers with `status` and an empty body.
    #[track_caller]
    pub fn respond(self, status: u16) -> Self {
        self.respond_body(status, Bytes::new())
    }

    /// Answers with `status` and `body`.
    #[track_caller]
    pub fn respond_body(mut self, status: u16, body: impl Into<Bytes>) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or_else(|_| panic!("mocked status {status} is invalid"));
        let headers = match self.reply {
            Reply::Respond { headers, .. } => headers,
            Reply::ConnectError => HeaderMap::new(),
        };
        self.reply = Reply::Respond { status, headers, body: body.into() };
        self
    }

    /// Answers with `status` and `body` as JSON (`Content-Type: application/json`).
    #[track_caller]
    pub fn respond_json(self, status: u16, body: Value) -> Self {
        self.respond_body(status, body.to_string()).response_header(CONTENT_TYPE.as_str(), "application/json")
    }

    /// Adds a header to the answer.
    #[track_caller]
    pub fn response_header(mut self, name: &str, value: &str) -> Self {
        let (name, value) = header_pair(name, value);
        if let Reply::Respond { headers, .. } = &mut self.reply {
            headers.append(name, value);
        }
        self
    }

    /// Fails as if the connection had been refused.
    pub fn fail_to_connect(mut self) -> Self {
        self.reply = Reply::ConnectError;
        self
    }

    pub(super) fn matches(&self, request: &RecordedRequest) -> bool {
        self.differences(request).is_empty()
    }

    /// Every way `request` differs from this exchange; empty when it matches.
    pub(super) fn differences(&self, request: &RecordedRequest) -> Vec<Difference> {
        let body = match &self.body {
            BodyMatch::Any => ExpectedBody::Any,
            BodyMatch::Exact(body) => ExpectedBody::Exact(body),
            BodyMatch::Json(body) => ExpectedBody::Json(body),
            BodyMatch::Predicate(predicate) => ExpectedBody::Predicate(predicate(&request.body)),
        };
        let expected =
            Expected { method: &self.method, url: &self.url, any_query: self.any_query, headers: &self.headers, body };
        differences(&expected, request)
    }
}

#[track_caller]
fn header_pair(name: &str, value: &str) -> (HeaderName, HeaderValue) {
    let name = HeaderName::try_from(name).unwrap_or_else(|_| panic!("mocked header name `{name}` is invalid"));
    let value = HeaderValue::try_from(value).unwrap_or_else(|_| panic!("mocked value of header `{name}` is invalid"));
    (name, value)
}

impl fmt::Display for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, RedactedUrl::new(&self.url))?;
        if self.any_query {
            f.write_str(" (any query)")?;
        }
        if self.repeatable {
            f.write_str(" (repeatable)")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Exchange({self})")
    }
}
