//! Building one request, in the style of reqwest.

use std::fmt;
use std::time::Duration;

use crate::credentials::HostScopedCredentials;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use url::Url;

use super::client::HttpClient;
use super::error::HttpError;
use super::redact::{RedactedUrl, Scrub};
use super::response::Response;

/// A request being built; nothing is sent until [`send`](Self::send).
///
/// Mistakes (a bad URL, header or body) do not panic: they are kept and returned by
/// `send`, the first one only.
///
/// Credentials go through [`bearer_auth`](Self::bearer_auth),
/// [`basic_auth`](Self::basic_auth), [`sensitive_header`](Self::sensitive_header)
/// or [`sensitive_query`](Self::sensitive_query): their values are marked
/// sensitive (hidden from `Debug`, dropped on cross-origin redirects) and erased
/// from every error. Headers set with [`header`](Self::header) whose names look like
/// credentials (`Authorization`, `Cookie`, anything with `key`, `token`, `secret`,
/// `auth`, `password`, `signature` or `session`) are treated the same way.
///
/// ```no_run
/// # use block_core::http::{HttpClient, HttpError};
/// # use secrecy::SecretString;
/// # async fn demo(client: &HttpClient, token: &SecretString) -> Result<(), HttpError> {
/// let issues: serde_json::Value = client
///     .get("https://api.example.com/v1/issues")
///     .query(&[("state", "open"), ("per_page", "50")])
///     .bearer_auth(token)
///     .send()
///     .await?
///     .error_for_status()?
///     .json()?;
/// # let _ = issues; Ok(()) }
/// ```
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    pub(crate) client: HttpClient,
    pub(crate) method: Method,
    pub(crate) url: Result<Url, HttpError>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) timeout: Option<Duration>,
    pub(crate) scrub: Scrub,
    pub(crate) error: Option<HttpError>,
}

/// Parts of header names that mark a header as carrying a credential.
const CREDENTIAL_HEADER_PARTS: &[&str] = &["auth", "cookie", "key", "token", "secret", "passw", "signature", "session"];

/// Shortest value of a credential-looking header that is treated as a secret.
const MIN_GUESSED_SECRET_LEN: usize = 8;

fn is_credential_header(name: &HeaderName) -> bool {
    let name = name.as_str();
    CREDENTIAL_HEADER_PARTS.iter().any(|part| name.contains(part))
}

impl RequestBuilder {
    pub(crate) fn new(client: HttpClient, method: Method, url: &str) -> Self {
        let url = Url::parse(url)
            .map_err(|error| HttpError::InvalidUrl { url: RedactedUrl::from_unparsed(url), reason: error.to_string() });
        RequestBuilder {
            client,
            method,
            url,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            timeout: None,
            scrub: Scrub::default(),
            error: None,
        }
    }

    fn fail(mut self, reason: String) -> Self {
        if self.error.is_none() {
            let url = match &self.url {
                Ok(url) => RedactedUrl::new(url),
                Err(_) => RedactedUrl::from_unparsed(""),
            };
            self.error = Some(HttpError::Build { url, reason });
        }
        self
    }

    /// Adds a header (a second one of the same name is appended, not replaced).
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let Ok(name) = HeaderName::try_from(name.as_ref()) else {
            return self.fail(format!("`{}` is not a valid header name", name.as_ref()));
        };
        let Ok(mut header_value) = HeaderValue::try_from(value.as_ref()) else {
            return self.fail(format!("the value given for header `{name}` is not a valid header value"));
        };
        if is_credential_header(&name) {
            header_value.set_sensitive(true);
            // Only values long enough to be secrets: erasing `true` everywhere would garble messages.
            let value = value.as_ref();
            let credential = value.split_once(' ').map_or(value, |(_scheme, credential)| credential.trim());
            for part in [value, credential] {
                if part.len() >= MIN_GUESSED_SECRET_LEN {
                    self.scrub.add_str(part);
                }
            }
        }
        self.headers.append(name, header_value);
        self
    }

    /// Sets a header whose value is a secret (replacing any previous value).
    pub fn sensitive_header(mut self, name: impl AsRef<str>, value: &SecretString) -> Self {
        let Ok(name) = HeaderName::try_from(name.as_ref()) else {
            return self.fail(format!("`{}` is not a valid header name", name.as_ref()));
        };
        self.scrub.add(value);
        self.set_sensitive(name, value.expose_secret())
    }

    fn set_sensitive(mut self, name: HeaderName, value: &str) -> Self {
        let Ok(mut header_value) = HeaderValue::try_from(value) else {
            return self.fail(format!("the secret given for header `{name}` is not a valid header value"));
        };
        header_value.set_sensitive(true);
        self.headers.insert(name, header_value);
        self
    }

    /// Sets `Authorization: Bearer <token>`.
    pub fn bearer_auth(mut self, token: &SecretString) -> Self {
        self.scrub.add(token);
        self.set_sensitive(AUTHORIZATION, &format!("Bearer {}", token.expose_secret()))
    }

    /// Sets `Authorization: Basic <base64(user:password)>`.
    pub fn basic_auth(mut self, user: impl fmt::Display, password: Option<&SecretString>) -> Self {
        let password = password.map(|password| {
            self.scrub.add(password);
            password.expose_secret()
        });
        let encoded = BASE64.encode(format!("{user}:{}", password.unwrap_or_default()));
        self.scrub.add_str(&encoded);
        self.set_sensitive(AUTHORIZATION, &format!("Basic {encoded}"))
    }

    /// Applies host-scoped credentials: their headers are set (as secrets) only when
    /// the request's host matches their host pattern, and, like every secret header,
    /// dropped if a redirect leaves the origin.
    pub fn host_scoped(mut self, credentials: &HostScopedCredentials) -> Self {
        let applies =
            self.url.as_ref().ok().and_then(|url| url.host_str()).is_some_and(|host| credentials.applies_to(host));
        if applies {
            for (name, value) in &credentials.headers {
                self = self.sensitive_header(name, value);
            }
        }
        self
    }

    /// Appends query parameters, percent-encoded.
    pub fn query<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        if let Ok(url) = &mut self.url {
            let mut query = url.query_pairs_mut();
            for (name, value) in pairs {
                query.append_pair(name.as_ref(), value.as_ref());
            }
        }
        self
    }

    /// Appends a query parameter whose value is a secret (an API key some services
    /// want in the URL); it is erased from errors whatever its name.
    pub fn sensitive_query(mut self, name: &str, value: &SecretString) -> Self {
        self.scrub.add(value);
        if let Ok(url) = &mut self.url {
            url.query_pairs_mut().append_pair(name, value.expose_secret());
        }
        self
    }

    /// Also erases `secret` from any error about this request, for secrets that
    /// travel some other way (in the path, for instance).
    pub fn redact(mut self, secret: &SecretString) -> Self {
        self.scrub.add(secret);
        self
    }

    /// Sends `value` as a JSON body, with `Content-Type: application/json` unless a
    /// content type is already set.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.body = Bytes::from(body);
                if !self.headers.contains_key(CONTENT_TYPE) {
                    self.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                }
                self
            }
            Err(error) => self.fail(format!("the body does not serialize to JSON: {error}")),
        }
    }

    /// Sends `body` as is.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Overrides the policy's time limit for each attempt of this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends the request, following redirects and retrying transient failures as
    /// the client's policy says, and reads the whole response body.
    pub async fn send(self) -> Result<Response, HttpError> {
        let scrub = self.scrub.clone();
        let client = self.client.clone();
        client.execute(self).await.map_err(|error| error.scrubbed(&scrub))
    }
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = match &self.url {
            Ok(url) => RedactedUrl::new(url),
            Err(HttpError::InvalidUrl { url, .. }) => url.clone(),
            Err(_) => RedactedUrl::from_unparsed(""),
        };
        let mut url = url.to_string();
        self.scrub.apply(&mut url);
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field("url", &url)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}
