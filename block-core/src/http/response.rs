//! A received response, its body already read and size-checked.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use super::error::HttpError;
use super::redact::{RedactedUrl, Scrub};

/// Longest body snippet kept in a [`HttpError::Status`].
const SNIPPET_CHARS: usize = 200;

/// How much of the body is looked at to make the snippet.
const SNIPPET_BYTES: usize = 4096;

/// The final response of a request, after redirects and retries.
///
/// The body is already in memory when [`send`](super::RequestBuilder::send)
/// returns, so reading it does not wait.
#[derive(Clone)]
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    url: Url,
    body: Bytes,
    scrub: Scrub,
}

impl Response {
    pub(crate) fn new(status: StatusCode, headers: HeaderMap, url: Url, body: Bytes, scrub: Scrub) -> Self {
        Response { status, headers, url, body, scrub }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The URL that answered, after any redirects.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The body.
    pub fn bytes(&self) -> Bytes {
        self.body.clone()
    }

    /// The body as text; invalid UTF-8 is replaced by `�`.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON into `T`. The error names the URL and what serde
    /// could not read.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, HttpError> {
        serde_json::from_slice(&self.body).map_err(|error| {
            let reason = format!("the body is not the expected JSON: {error}");
            HttpError::Decode { url: RedactedUrl::new(&self.url), reason }.scrubbed(&self.scrub)
        })
    }

    /// `Err(HttpError::Status)` for a 4xx or 5xx status, with the start of the body;
    /// the response itself otherwise.
    pub fn error_for_status(self) -> Result<Self, HttpError> {
        match self.status_error() {
            Some(error) => Err(error),
            None => Ok(self),
        }
    }

    /// Like [`error_for_status`](Self::error_for_status), keeping the response.
    pub fn error_for_status_ref(&self) -> Result<&Self, HttpError> {
        match self.status_error() {
            Some(error) => Err(error),
            None => Ok(self),
        }
    }

    fn status_error(&self) -> Option<HttpError> {
        if !(self.status.is_client_error() || self.status.is_server_error()) {
            return None;
        }
        let error =
            HttpError::Status { status: self.status, url: RedactedUrl::new(&self.url), snippet: self.snippet() };
        Some(error.scrubbed(&self.scrub))
    }

    fn snippet(&self) -> String {
        let start = &self.body[..self.body.len().min(SNIPPET_BYTES)];
        let text = String::from_utf8_lossy(start);
        let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        match collapsed.char_indices().nth(SNIPPET_CHARS) {
            Some((cut, _)) => format!("{}…", &collapsed[..cut]),
            None => collapsed,
        }
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut url = RedactedUrl::new(&self.url).to_string();
        self.scrub.apply(&mut url);
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("url", &url)
            .field("header_count", &self.headers.len())
            .field("body_len", &self.body.len())
            .finish()
    }
}
