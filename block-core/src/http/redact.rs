//! Keeping secrets out of error messages and `Debug` output.
//!
//! Two mechanisms, both applied before any text leaves the HTTP module:
//! - [`RedactedUrl`] prints a URL without its user name and password, without its
//!   fragment, and with the value of every query parameter whose name suggests a
//!   secret (`key`, `token`, `secret`, `password`, `signature`, `auth`, ...) replaced
//!   by `[redacted]`. Other query values stay, because they help to debug.
//! - [`Scrub`] replaces every secret a request was given through the sensitive
//!   builder methods (`bearer_auth`, `basic_auth`, `sensitive_header`,
//!   `sensitive_query`) wherever it still appears, for instance in a response body
//!   snippet that echoes it, or in a path that embeds it.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// What replaces a secret in printed text.
pub(crate) const REDACTED: &str = "[redacted]";

/// Longest URL kept in a message; longer ones are cut with `…`.
const MAX_URL_CHARS: usize = 300;

/// Parts of query parameter names that mark their value as a secret.
const SECRET_NAME_PARTS: &[&str] =
    &["key", "token", "secret", "passw", "signature", "auth", "credential", "session", "jwt"];

/// Query parameter names that mark their value as a secret only when they are the whole name.
const SECRET_NAMES: &[&str] = &["sig", "pwd", "pass", "code", "hash"];

/// Whether a query parameter of this name carries a secret.
///
/// ```
/// use block_core::http::is_secret_query_name;
/// assert!(is_secret_query_name("api_key"));
/// assert!(is_secret_query_name("X-Amz-Signature"));
/// assert!(!is_secret_query_name("page"));
/// ```
pub fn is_secret_query_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_NAME_PARTS.iter().any(|part| name.contains(part)) || SECRET_NAMES.contains(&name.as_str())
}

/// A URL that is safe to print: no user info, no fragment, secret query values
/// replaced by `[redacted]`, and cut to a readable length.
///
/// ```
/// use block_core::http::RedactedUrl;
/// let url = url::Url::parse("https://me:pw@api.example.com/v1?api_key=abc&page=2#top").unwrap();
/// assert_eq!(RedactedUrl::new(&url).as_str(), "https://api.example.com/v1?api_key=[redacted]&page=2");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RedactedUrl(String);

impl RedactedUrl {
    /// Redacts a parsed URL.
    pub fn new(url: &Url) -> Self {
        let mut url = url.clone();
        // Both only fail for URLs that cannot have credentials, which have none to strip.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        url.set_fragment(None);
        if url.query().is_some() {
            let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            let mut text = String::from(url.as_str().split('?').next().unwrap_or_default());
            text.push('?');
            text.push_str(&redact_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
            return RedactedUrl(shorten(text));
        }
        RedactedUrl(shorten(url.into()))
    }

    /// Redacts text that did not parse as a URL, as well as text allows: anything
    /// before an `@` in the authority is dropped, and secret query values are hidden.
    pub fn from_unparsed(text: &str) -> Self {
        let text = text.split('#').next().unwrap_or_default();
        let (before_query, query) = match text.split_once('?') {
            Some((before, query)) => (before, Some(query)),
            None => (text, None),
        };
        let mut out = match before_query.split_once("://") {
            Some((scheme, rest)) => {
                let authority_end = rest.find('/').unwrap_or(rest.len());
                let (authority, path) = rest.split_at(authority_end);
                let host = authority.rsplit('@').next().unwrap_or_default();
                format!("{scheme}://{host}{path}")
            }
            None => before_query.to_owned(),
        };
        if let Some(query) = query {
            let pairs = query.split('&').map(|pair| pair.split_once('=').unwrap_or((pair, "")));
            out.push('?');
            out.push_str(&redact_pairs(pairs));
        }
        RedactedUrl(shorten(out))
    }

    /// The redacted text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn scrub(&mut self, scrub: &Scrub) {
        scrub.apply(&mut self.0);
    }
}

impl fmt::Display for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl From<&Url> for RedactedUrl {
    fn from(url: &Url) -> Self {
        RedactedUrl::new(url)
    }
}

fn redact_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        out.append_pair(name, if is_secret_query_name(name) { REDACTED } else { value });
    }
    // The serializer percent-encodes the brackets of the marker; keep it readable.
    out.finish().replace("%5Bredacted%5D", REDACTED)
}

fn shorten(text: String) -> String {
    match text.char_indices().nth(MAX_URL_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The secrets one request was given, to be erased from any text about it.
#[derive(Clone, Default)]
pub(crate) struct Scrub {
    secrets: Vec<SecretString>,
}

/// Secrets shorter than this are not searched for: replacing them would mangle
/// ordinary text while protecting little.
const MIN_SCRUBBED_LEN: usize = 4;

impl Scrub {
    pub(crate) fn add(&mut self, secret: &SecretString) {
        if secret.expose_secret().len() >= MIN_SCRUBBED_LEN {
            self.secrets.push(secret.clone());
        }
    }

    pub(crate) fn add_str(&mut self, secret: &str) {
        self.add(&SecretString::from(secret));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Replaces every occurrence of every secret, raw or percent-encoded.
    pub(crate) fn apply(&self, text: &mut String) {
        for secret in &self.secrets {
            let raw = secret.expose_secret();
            let encoded: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
            for form in [raw, encoded.as_str(), &encoded.replace('+', "%20")] {
                if text.contains(form) {
                    *text = text.replace(form, REDACTED);
                }
            }
        }
    }
}

impl fmt::Debug for Scrub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scrub({} secrets)", self.secrets.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_userinfo_fragment_and_secret_query_values() {
        let url = Url::parse("https://user:hunter2@example.com/a?token=t0k&q=rust&Signature=s#frag").unwrap();
        assert_eq!(
            RedactedUrl::new(&url).as_str(),
            "https://example.com/a?token=[redacted]&q=rust&Signature=[redacted]"
        );
    }

    #[test]
    fn redacts_unparsed_text_as_well_as_it_can() {
        let text = "ht!tp://user:pw@host/x?password=p&x=1#f";
        assert_eq!(RedactedUrl::from_unparsed(text).as_str(), "ht!tp://host/x?password=[redacted]&x=1");
    }

    #[test]
    fn cuts_very_long_urls() {
        let url = Url::parse(&format!("https://example.com/{}", "a".repeat(1000))).unwrap();
        assert!(RedactedUrl::new(&url).as_str().chars().count() <= MAX_URL_CHARS + 1);
    }

    #[test]
    fn scrub_replaces_raw_and_encoded_secrets() {
        let mut scrub = Scrub::default();
        scrub.add(&SecretString::from("s3cr3t value"));
        let mut text = "a s3cr3t value b s3cr3t+value c s3cr3t%20value".to_owned();
        scrub.apply(&mut text);
        assert_eq!(text, "a [redacted] b [redacted] c [redacted]");
    }
}
