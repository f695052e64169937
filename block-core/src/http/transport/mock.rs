//! A transport that answers from exchanges a test declares, and reports both the
//! requests nobody declared and the declarations nobody requested.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;
use url::{Host, Url};

use super::{BoxFuture, Transport, TransportRequest, TransportResponse};
use crate::http::error::HttpError;
use crate::http::guard::AddressCheck;
use crate::http::redact::RedactedUrl;
use crate::http::resolve::{ResolveError, Resolver, resolve_checked};

/// A [`Transport`] for tests: every request must match a declared [`Exchange`].
///
/// Matching: the first not-yet-consumed exchange whose method, URL, required
/// headers and body all match answers. URLs match exactly as parsed (scheme, host,
/// port, path, and query with its pairs in order), or ignoring the query with
/// [`Exchange::any_query`]. Exchanges are single-use by default, so two identical
/// declarations answer two requests in order; [`Exchange::repeatable`] ones answer
/// any number.
///
/// A request that matches nothing fails with [`HttpError::Unmatched`], naming its
/// method and URL, and is recorded: [`unmatched_requests`](Self::unmatched_requests)
/// lets a harness fail the test even if the block swallowed the error, and
/// [`unused_exchanges`](Self::unused_exchanges) lists what was declared but never
/// requested.
///
/// The mock connects nowhere, so by default it checks no addresses; with
/// [`with_resolver`](Self::with_resolver) it resolves host names and applies the
/// connect-time guard like the real transport.
///
/// ```
/// use std::sync::Arc;
/// use block_core::http::{Exchange, HttpClient, HttpPolicy, MockTransport};
/// use serde_json::json;
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let mock = Arc::new(MockTransport::new([
///     Exchange::post("https://api.example.com/v1/greetings")
///         .json_body(json!({"text": "Hi"}))
///         .respond_json(201, json!({"id": 7})),
/// ]));
/// let client = HttpClient::new(HttpPolicy::default(), mock.clone());
/// let created: serde_json::Value =
///     client.post("https://api.example.com/v1/greetings").json(&json!({"text": "Hi"})).send().await?.json()?;
/// assert_eq!(created["id"], 7);
/// assert!(mock.unmatched_requests().is_empty() && mock.unused_exchanges().is_empty());
/// # Ok::<(), block_core::http::HttpError>(()) }).unwrap();
/// ```
#[derive(Default)]
pub struct MockTransport {
    state: Mutex<State>,
    resolver: Option<Arc<dyn Resolver>>,
}

#[derive(Default)]
struct State {
    slots: Vec<Slot>,
    requests: Vec<RecordedRequest>,
    unmatched: Vec<RecordedRequest>,
}

struct Slot {
    exchange: Exchange,
    uses: usize,
}

impl Slot {
    fn available(&self) -> bool {
        self.exchange.repeatable || self.uses == 0
    }
}

impl MockTransport {
    /// A mock answering from `exchanges`.
    pub fn new(exchanges: impl IntoIterator<Item = Exchange>) -> Self {
        let mock = MockTransport::default();
        for exchange in exchanges {
            mock.push(exchange);
        }
        mock
    }

    /// Declares one more exchange.
    pub fn push(&self, exchange: Exchange) {
        self.state().slots.push(Slot { exchange, uses: 0 });
    }

    /// Resolves host names with `resolver` and refuses blocked addresses, as the
    /// real transport does at connect time.
    pub fn with_resolver(mut self, resolver: Arc<dyn Resolver>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// Every request that reached the mock, matched or not, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().requests.clone()
    }

    /// The requests no exchange matched.
    pub fn unmatched_requests(&self) -> Vec<RecordedRequest> {
        self.state().unmatched.clone()
    }

    /// Descriptions of the exchanges that were declared but never used.
    pub fn unused_exchanges(&self) -> Vec<String> {
        self.state().slots.iter().filter(|slot| slot.uses == 0).map(|slot| slot.exchange.to_string()).collect()
    }

    /// `Ok` when every request matched and every exchange was used; otherwise one
    /// message listing both kinds of problem.
    pub fn verify(&self) -> Result<(), String> {
        let unmatched = self.unmatched_requests();
        let unused = self.unused_exchanges();
        if unmatched.is_empty() && unused.is_empty() {
            return Ok(());
        }
        let mut message = String::new();
        for request in &unmatched {
            message.push_str(&format!("unmocked request: {request}\n"));
        }
        for exchange in &unused {
            message.push_str(&format!("mocked exchange never requested: {exchange}\n"));
        }
        Err(message.trim_end().to_owned())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn check_addresses(&self, request: &TransportRequest) -> Result<(), HttpError> {
        let (Some(resolver), Some(Host::Domain(host))) = (&self.resolver, request.url.host()) else {
            return Ok(());
        };
        if request.address_check == AddressCheck::Unchecked {
            return Ok(());
        }
        let url = || RedactedUrl::new(&request.url);
        match resolve_checked(resolver.as_ref(), host, request.address_check).await {
            Ok(_) => Ok(()),
            Err(ResolveError::Blocked { reason, .. }) => Err(HttpError::Blocked { url: url(), reason }),
            Err(other) => Err(HttpError::Connect { url: url(), reason: other.to_string() }),
        }
    }

    async fn answer(&self, request: TransportRequest) -> Result<TransportResponse, HttpError> {
        self.check_addresses(&request).await?;
        let recorded = RecordedRequest {
            method: request.method.clone(),
            url: request.url.clone(),
            headers: request.headers.clone(),
            body: request.body.clone(),
        };
        let found = {
            let mut state = self.state();
            state.requests.push(recorded.clone());
            let slot = state.slots.iter_mut().find(|slot| slot.available() && slot.exchange.matches(&recorded));
            match slot {
                Some(slot) => {
                    slot.uses += 1;
                    Some((slot.exchange.reply.clone(), slot.exchange.delay))
                }
                None => {
                    state.unmatched.push(recorded);
                    None
                }
            }
        };
        let url = RedactedUrl::new(&request.url);
        let Some((reply, delay)) = found else {
            return Err(HttpError::Unmatched { method: request.method, url });
        };
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        match reply {
            Reply::ConnectError => Err(HttpError::Connect { url, reason: "connection refused (mocked)".into() }),
            Reply::Respond { .. } if reply.body_len() as u64 > request.max_response_bytes => {
                Err(HttpError::TooLarge { url, limit: request.max_response_bytes })
            }
            Reply::Respond { status, headers, body } => {
                Ok(TransportResponse { status, headers, url: request.url, body })
            }
        }
    }
}

impl Transport for MockTransport {
    fn send(&self, request: TransportRequest) -> BoxFuture<'_, Result<TransportResponse, HttpError>> {
        Box::pin(self.answer(request))
    }
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("MockTransport")
            .field("exchanges", &state.slots.iter().map(|slot| slot.exchange.to_string()).collect::<Vec<_>>())
            .field("requests", &state.requests.len())
            .field("unmatched", &state.unmatched.len())
            .finish()
    }
}

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
    repeatable: bool,
    delay: Option<Duration>,
    reply: Reply,
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
enum Reply {
    Respond { status: StatusCode, headers: HeaderMap, body: Bytes },
    ConnectError,
}

impl Reply {
    fn body_len(&self) -> usize {
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

    fn matches(&self, request: &RecordedRequest) -> bool {
        let url_matches = if self.any_query {
            without_query(&self.url) == without_query(&request.url)
        } else {
            self.url == request.url
        };
        let headers_match =
            self.headers.iter().all(|(name, value)| request.headers.get_all(name).iter().any(|v| v == value));
        let body_matches = match &self.body {
            BodyMatch::Any => true,
            BodyMatch::Exact(body) => body == &request.body,
            BodyMatch::Json(body) => request.json().as_ref() == Some(body),
            BodyMatch::Predicate(predicate) => predicate(&request.body),
        };
        self.method == request.method && url_matches && headers_match && body_matches
    }
}

#[track_caller]
fn header_pair(name: &str, value: &str) -> (HeaderName, HeaderValue) {
    let name = HeaderName::try_from(name).unwrap_or_else(|_| panic!("mocked header name `{name}` is invalid"));
    let value = HeaderValue::try_from(value).unwrap_or_else(|_| panic!("mocked value of header `{name}` is invalid"));
    (name, value)
}

fn without_query(url: &Url) -> Url {
    let mut url = url.clone();
    url.set_query(None);
    url
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
