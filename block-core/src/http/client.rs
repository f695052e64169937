//! The client blocks use: the guard, redirects and retries around a transport.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::Method;

use super::error::HttpError;
use super::guard::check_url;
use super::policy::HttpPolicy;
use super::redact::RedactedUrl;
use super::redirect::{headers_for_hop, next_hop};
use super::request::RequestBuilder;
use super::response::Response;
use super::retry::{Jitter, is_idempotent, is_retryable_status, retry_after};
use super::transport::{ReqwestTransport, Transport, TransportRequest, TransportResponse};

/// The only way blocks reach the network.
///
/// Every request and every redirect hop passes the SSRF guard (unless its origin is
/// trusted by the policy), redirects are followed by hand with credentials dropped
/// across origins, transient failures of idempotent requests are retried with
/// back-off, and response bodies are capped. Cloning is cheap: clones share the
/// policy and the transport.
///
/// ```
/// use std::sync::Arc;
/// use block_core::http::{Exchange, HttpClient, HttpPolicy, MockTransport};
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let mock = Arc::new(MockTransport::new([Exchange::get("https://api.example.com/v1/me").respond_body(200, "ok")]));
/// let client = HttpClient::new(HttpPolicy::default(), mock);
/// let response = client.get("https://api.example.com/v1/me").send().await?;
/// assert_eq!(response.text(), "ok");
///
/// let refused = client.get("http://169.254.169.254/latest/meta-data/").send().await.unwrap_err();
/// assert!(refused.to_string().contains("blocked"));
/// # Ok::<(), block_core::http::HttpError>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    policy: HttpPolicy,
    transport: Arc<dyn Transport>,
    jitter: Mutex<Jitter>,
}

impl HttpClient {
    /// A client enforcing `policy` over `transport`.
    pub fn new(policy: HttpPolicy, transport: Arc<dyn Transport>) -> Self {
        HttpClient { inner: Arc::new(Inner { policy, transport, jitter: Mutex::new(Jitter::new()) }) }
    }

    /// A client enforcing `policy` over a new [`ReqwestTransport`] with default
    /// settings. Prefer sharing one transport (and its connection pool) between
    /// clients with [`HttpClient::new`].
    pub fn with_default_transport(policy: HttpPolicy) -> Result<Self, HttpError> {
        Ok(HttpClient::new(policy, Arc::new(ReqwestTransport::new()?)))
    }

    /// A client with another policy over the same transport.
    pub fn with_policy(&self, policy: HttpPolicy) -> Self {
        HttpClient::new(policy, self.inner.transport.clone())
    }

    /// The transport requests go through.
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.inner.transport
    }

    /// The policy this client enforces.
    pub fn policy(&self) -> &HttpPolicy {
        &self.inner.policy
    }

    /// Starts a request with any method.
    pub fn request(&self, method: Method, url: impl AsRef<str>) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, url.as_ref())
    }

    /// Starts a `GET`.
    pub fn get(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    /// Starts a `HEAD`.
    pub fn head(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::HEAD, url)
    }

    /// Starts a `POST`.
    pub fn post(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    /// Starts a `PUT`.
    pub fn put(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::PUT, url)
    }

    /// Starts a `PATCH`.
    pub fn patch(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::PATCH, url)
    }

    /// Starts a `DELETE`.
    pub fn delete(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::DELETE, url)
    }

    /// Runs a built request: guard, redirects, retries.
    pub(crate) async fn execute(&self, request: RequestBuilder) -> Result<Response, HttpError> {
        let RequestBuilder { method, url, headers, body, timeout, scrub, error, .. } = request;
        let mut url = url?;
        if let Some(error) = error {
            return Err(error);
        }
        let policy = &self.inner.policy;
        url.set_fragment(None);
        let mut current = TransportRequest::new(method, url);
        current.headers = headers;
        current.body = body;
        current.timeout = timeout.unwrap_or(policy.attempt_timeout());
        current.max_response_bytes = policy.response_limit();
        let mut redirects = 0;
        loop {
            self.admit(&mut current)?;
            let response = self.send_with_retries(&current).await?;
            let Some(hop) = next_hop(response.status, &response.headers, &current.method, &response.url)? else {
                let TransportResponse { status, headers, url, body } = response;
                return Ok(Response::new(status, headers, url, body, scrub));
            };
            if redirects >= policy.redirect_limit() {
                return Err(HttpError::TooManyRedirects {
                    url: RedactedUrl::new(&response.url),
                    max: policy.redirect_limit(),
                });
            }
            redirects += 1;
            headers_for_hop(&mut current.headers, &current.url, &hop);
            if hop.drop_body {
                current.body = Bytes::new();
            }
            current.method = hop.method;
            current.url = hop.url;
        }
    }

    /// Applies the URL half of the guard and picks the address check for the transport.
    fn admit(&self, request: &mut TransportRequest) -> Result<(), HttpError> {
        let check = self.inner.policy.address_check_for(&request.url);
        check_url(&request.url, check)
            .map_err(|reason| HttpError::Blocked { url: RedactedUrl::new(&request.url), reason })?;
        if !request.url.username().is_empty() || request.url.password().is_some() {
            return Err(HttpError::InvalidUrl {
                url: RedactedUrl::new(&request.url),
                reason: "it carries a user name or password; pass credentials with `basic_auth` instead, \
                         so that they are never logged"
                    .into(),
            });
        }
        request.address_check = check;
        Ok(())
    }

    /// Sends one hop, retrying transient failures of idempotent methods.
    async fn send_with_retries(&self, request: &TransportRequest) -> Result<TransportResponse, HttpError> {
        let retry = self.inner.policy.retry_policy();
        let idempotent = is_idempotent(&request.method);
        let mut attempt = 1;
        loop {
            let outcome = self.attempt(request).await;
            if !idempotent || attempt >= retry.max_attempts {
                return outcome;
            }
            let delay = match &outcome {
                Ok(response) if is_retryable_status(response.status) => {
                    match retry_after(&response.headers, SystemTime::now()) {
                        Some(asked) if asked > retry.max_retry_after => None,
                        Some(asked) => Some(asked),
                        None => Some(self.backoff(attempt)),
                    }
                }
                Err(HttpError::Connect { .. }) => Some(self.backoff(attempt)),
                _ => None,
            };
            let Some(delay) = delay else {
                return outcome;
            };
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn attempt(&self, request: &TransportRequest) -> Result<TransportResponse, HttpError> {
        let sending = self.inner.transport.send(request.clone());
        match tokio::time::timeout(request.timeout, sending).await {
            Ok(outcome) => outcome,
            Err(_) => Err(HttpError::Timeout { url: RedactedUrl::new(&request.url), after: request.timeout }),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let mut jitter = self.inner.jitter.lock().unwrap_or_else(PoisonError::into_inner);
        jitter.backoff(self.inner.policy.retry_policy(), attempt)
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient").field("policy", &self.inner.policy).finish_non_exhaustive()
    }
}
