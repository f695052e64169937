//! What a client may do: trusted origins, limits, time-outs and retries.

use std::time::Duration;

use url::{Origin, Url};

use super::error::HttpError;
use super::guard::AddressCheck;
use super::redact::RedactedUrl;

/// The rules an [`HttpClient`](super::HttpClient) enforces.
///
/// ```
/// use std::time::Duration;
/// use block_core::http::{HttpPolicy, RetryPolicy};
/// let policy = HttpPolicy::default()
///     .trusted_origin("http://10.0.0.5:11434")? // a self-hosted service the provider points at
///     .timeout(Duration::from_secs(60))
///     .retry(RetryPolicy::default().max_attempts(5));
/// # Ok::<(), block_core::http::HttpError>(())
/// ```
#[derive(Debug, Clone)]
pub struct HttpPolicy {
    trusted_origins: Vec<Origin>,
    timeout: Duration,
    max_response_bytes: u64,
    max_redirects: u32,
    retry: RetryPolicy,
    allow_loopback: bool,
}

impl Default for HttpPolicy {
    /// No trusted origin, 30 s per attempt, 10 MiB responses, 10 redirects, and the
    /// default [`RetryPolicy`].
    fn default() -> Self {
        HttpPolicy {
            trusted_origins: Vec::new(),
            timeout: Duration::from_secs(30),
            max_response_bytes: 10 * 1024 * 1024,
            max_redirects: 10,
            retry: RetryPolicy::default(),
            allow_loopback: false,
        }
    }
}

impl HttpPolicy {
    /// Trusts an origin (`scheme://host[:port]`, no path): requests to it skip the
    /// address checks, so it may be private or local. Redirects away from it are
    /// checked as usual.
    pub fn trusted_origin(mut self, origin: &str) -> Result<Self, HttpError> {
        let invalid = |reason: &str| HttpError::InvalidUrl {
            url: RedactedUrl::from_unparsed(origin),
            reason: format!("a trusted origin is `scheme://host[:port]`; {reason}"),
        };
        let url = Url::parse(origin).map_err(|error| invalid(&error.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
            return Err(invalid("only http and https origins with a host can be trusted"));
        }
        let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
        if !bare || !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("it has no path, query, fragment or user info"));
        }
        self.trusted_origins.push(url.origin());
        Ok(self)
    }

    /// Trusts every origin of `origins`, as [`trusted_origin`](Self::trusted_origin)
    /// does one; a provider's declared origins go through here.
    pub fn with_trusted_origins<'a>(mut self, origins: impl IntoIterator<Item = &'a str>) -> Result<Self, HttpError> {
        for origin in origins {
            self = self.trusted_origin(origin)?;
        }
        Ok(self)
    }

    /// The time limit of one attempt, from sending to the end of the body.
    /// Requests can override it. Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body accepted, in bytes. Default 10 MiB.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// How many redirects one request may follow. Default 10.
    pub fn max_redirects(mut self, max: u32) -> Self {
        self.max_redirects = max;
        self
    }

    /// How transient failures are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Lets requests reach loopback addresses (127/8, `::1`, `localhost`) and
    /// nothing else that is private. Only for tests against servers they start on
    /// this machine; no configuration or environment variable turns it on.
    #[doc(hidden)]
    pub fn danger_allow_loopback_for_tests(mut self) -> Self {
        self.allow_loopback = true;
        self
    }

    /// The origins that skip the address checks.
    pub fn trusted_origins(&self) -> &[Origin] {
        &self.trusted_origins
    }

    /// The time limit of one attempt.
    pub fn attempt_timeout(&self) -> Duration {
        self.timeout
    }

    /// The largest response body accepted, in bytes.
    pub fn response_limit(&self) -> u64 {
        self.max_response_bytes
    }

    /// How many redirects one request may follow.
    pub fn redirect_limit(&self) -> u32 {
        self.max_redirects
    }

    /// How transient failures are retried.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Whether `url`'s origin is trusted.
    pub fn is_trusted(&self, url: &Url) -> bool {
        let origin = url.origin();
        self.trusted_origins.contains(&origin)
    }

    pub(crate) fn address_check_for(&self, url: &Url) -> AddressCheck {
        if self.is_trusted(url) {
            AddressCheck::Unchecked
        } else if self.allow_loopback {
            AddressCheck::PublicOrLoopback
        } else {
            AddressCheck::PublicOnly
        }
    }
}

/// Retries of idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS) after a failed
/// connection or a 408, 429, 500, 502, 503 or 504 answer.
///
/// The delay before retry `n` is random in `[0, min(max_delay, base_delay * 2^(n-1))]`
/// ("full jitter"), unless the answer carries `Retry-After` (seconds or an HTTP
/// date), which is then waited for exactly. A `Retry-After` longer than
/// `max_retry_after` ends the retries at once and the answer is returned as is:
/// waiting less than the service asked would only earn another refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) base_delay: Duration,
    pub(crate) max_delay: Duration,
    pub(crate) max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 200 ms base delay, 5 s largest back-off, 30 s largest `Retry-After`.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// One attempt, never retried.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The scale of the exponential back-off.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The largest back-off between two attempts.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest `Retry-After` waited for.
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }
}
