//! What can go wrong with an outbound request, in terms a block can act on.

use std::net::IpAddr;
use std::time::Duration;

use http::{Method, StatusCode};

use super::redact::{RedactedUrl, Scrub};

/// Why an outbound request failed.
///
/// Every URL in it is a [`RedactedUrl`] (no user info, secret query values hidden),
/// and every secret the request was given through the sensitive builder methods is
/// erased from its text, so an `HttpError` can be shown to a user or logged as is.
///
/// ```
/// # use block_core::http::HttpError;
/// fn explain(error: &HttpError) -> &'static str {
///     match error {
///         HttpError::Status { status, .. } if status.as_u16() == 404 => "no such record",
///         HttpError::Blocked { .. } => "that address is not reachable from blocks",
///         _ => "the service is unavailable",
///     }
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The URL points somewhere blocks may not go: a private, loopback, link-local
    /// or reserved address, or a scheme other than http and https.
    #[error("request to {url} was blocked: {reason}")]
    Blocked {
        /// The URL that was refused (a redirect target, if the refusal came on a hop).
        url: RedactedUrl,
        /// What made the URL unacceptable.
        reason: BlockReason,
    },
    /// The URL does not parse, or cannot be used as given.
    #[error("`{url}` is not a usable URL: {reason}")]
    InvalidUrl {
        /// The offending URL, redacted as well as its shape allows.
        url: RedactedUrl,
        /// What is wrong with it.
        reason: String,
    },
    /// The service did not answer within the request's time limit.
    #[error(
        "request to {url} timed out after {after:?}; the service may be slow or down (a longer `timeout` on the request may help)"
    )]
    Timeout {
        /// The URL that did not answer.
        url: RedactedUrl,
        /// The time limit that ran out.
        after: Duration,
    },
    /// No connection could be made (name resolution, TCP or TLS failed).
    #[error("could not connect to {url}: {reason}")]
    Connect {
        /// The URL whose host could not be reached.
        url: RedactedUrl,
        /// The underlying failure.
        reason: String,
    },
    /// The response body is larger than the policy allows.
    #[error(
        "the response from {url} is larger than the {limit}-byte limit; ask for less (pagination, filters) or raise `max_response_bytes` in the HTTP policy"
    )]
    TooLarge {
        /// The URL that sent the oversized body.
        url: RedactedUrl,
        /// The limit in bytes.
        limit: u64,
    },
    /// The service kept redirecting.
    #[error("gave up at {url} after {max} redirects; the service redirects in a loop or too deep")]
    TooManyRedirects {
        /// The URL that asked for one redirect too many.
        url: RedactedUrl,
        /// The redirect limit of the policy.
        max: u32,
    },
    /// The service answered with an error status (from
    /// [`Response::error_for_status`](super::Response::error_for_status)).
    #[error("{url} answered {status}{}", snippet_suffix(snippet))]
    Status {
        /// The status of the (last) response.
        status: StatusCode,
        /// The URL that answered.
        url: RedactedUrl,
        /// The start of the response body, whitespace collapsed and cut short.
        snippet: String,
    },
    /// The request could not be built: a bad header name or value, or a body that
    /// does not serialize.
    #[error("could not build the request to {url}: {reason}")]
    Build {
        /// The URL the request was meant for.
        url: RedactedUrl,
        /// What is wrong with the request.
        reason: String,
    },
    /// The response body is not what the caller asked to decode it as.
    #[error("could not decode the response from {url}: {reason}")]
    Decode {
        /// The URL that sent the body.
        url: RedactedUrl,
        /// The decoder's message.
        reason: String,
    },
    /// A test's mock transport has no exchange for this request.
    #[error("no mocked HTTP exchange matches {method} {url}; declare one in the test's mocked exchanges\n{report}")]
    Unmatched {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: RedactedUrl,
        /// What was sent (headers and body, credentials hidden) and the closest
        /// declared exchange with what differs from it.
        report: String,
    },
    /// The transport failed in some other way while sending or receiving.
    #[error("request to {url} failed: {reason}")]
    Transport {
        /// The URL of the failed request.
        url: RedactedUrl,
        /// The underlying failure.
        reason: String,
    },
    /// The HTTP transport could not be built (TLS set-up, for instance).
    #[error("the HTTP transport could not be set up: {reason}")]
    Setup {
        /// The underlying failure.
        reason: String,
    },
}

fn snippet_suffix(snippet: &str) -> String {
    if snippet.is_empty() { String::new() } else { format!(": {snippet}") }
}

/// Why the SSRF guard refused a URL or an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BlockReason {
    /// Only `http` and `https` may be fetched.
    #[error("only http and https URLs may be fetched, not `{0}:` URLs")]
    Scheme(String),
    /// The URL has no host to connect to.
    #[error("the URL has no host")]
    NoHost,
    /// The host name denotes this machine (`localhost` and its sub-domains).
    #[error("`{0}` names this machine, which blocks may not reach")]
    LocalName(String),
    /// The host is an IP address, as the caller wrote it, in a blocked range.
    #[error(
        "{address} is in the blocked range {range}; blocks may only reach public addresses (a provider can trust its own origin explicitly)"
    )]
    Address {
        /// The refused address.
        address: IpAddr,
        /// The blocked range it lies in, with what the range is for.
        range: &'static str,
    },
    /// The host is a name that resolves to at least one blocked address. Which
    /// address, and which range, is deliberately left out: naming them would let a
    /// caller map internal names by trying them.
    #[error(
        "`{host}` resolves to an address blocks may not reach; blocks may only reach public addresses (a provider can trust its own origin explicitly)"
    )]
    BlockedName {
        /// The host name as it appears in the URL (IDNA-encoded).
        host: String,
    },
}

impl HttpError {
    /// Whether retrying the same request later might succeed: time-outs, failed
    /// connections, and error statuses 408, 429 and 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            HttpError::Timeout { .. } | HttpError::Connect { .. } => true,
            HttpError::Status { status, .. } => status.is_server_error() || matches!(status.as_u16(), 408 | 429),
            _ => false,
        }
    }

    /// Erases the request's secrets from every text field.
    pub(crate) fn scrubbed(mut self, scrub: &Scrub) -> Self {
        if scrub.is_empty() {
            return self;
        }
        match &mut self {
            HttpError::Blocked { url, .. }
            | HttpError::Timeout { url, .. }
            | HttpError::TooLarge { url, .. }
            | HttpError::TooManyRedirects { url, .. } => url.scrub(scrub),
            HttpError::Unmatched { url, report, .. } => {
                url.scrub(scrub);
                scrub.apply(report);
            }
            HttpError::InvalidUrl { url, reason }
            | HttpError::Connect { url, reason }
            | HttpError::Build { url, reason }
            | HttpError::Decode { url, reason }
            | HttpError::Transport { url, reason } => {
                url.scrub(scrub);
                scrub.apply(reason);
            }
            HttpError::Status { url, snippet, .. } => {
                url.scrub(scrub);
                scrub.apply(snippet);
            }
            HttpError::Setup { reason } => scrub.apply(reason),
        }
        self
    }
}
