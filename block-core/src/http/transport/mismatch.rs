//! How a request differs from a declared exchange, and the report of a request no
//! exchange matched: what was sent, and the closest declaration with what differs.
//!
//! Nothing secret is printed: header values the request marked sensitive, and
//! those of headers whose names look like credentials, are shown as `[redacted]`
//! on both sides, and so are JSON and form body values under secret-looking names.

use std::fmt::Write as _;

use http::{HeaderName, HeaderValue, Method};
use serde_json::Value;
use url::Url;

use super::exchange::RecordedRequest;
use crate::http::redact::{REDACTED, RedactedUrl, is_secret_query_name};

/// Longest value or body shown in a report; longer ones are cut with `…`.
const MAX_SHOWN_CHARS: usize = 200;

/// Most body differences listed for one exchange.
const MAX_BODY_DIFFERENCES: usize = 8;

/// What the body of a declared exchange must be.
pub(super) enum ExpectedBody<'a> {
    Any,
    Exact(&'a [u8]),
    Json(&'a Value),
    Predicate(bool),
}

/// What a declared exchange expects, borrowed from it.
pub(super) struct Expected<'a> {
    pub(super) method: &'a Method,
    pub(super) url: &'a Url,
    pub(super) any_query: bool,
    pub(super) headers: &'a [(HeaderName, HeaderValue)],
    pub(super) body: ExpectedBody<'a>,
}

/// One way a request differs from an exchange, with how far apart that puts them.
pub(super) struct Difference {
    pub(super) text: String,
    weight: u32,
}

/// Every way `request` differs from `expected`; empty when it matches.
pub(super) fn differences(expected: &Expected<'_>, request: &RecordedRequest) -> Vec<Difference> {
    let mut found = Vec::new();
    let mut add = |weight: u32, text: String| found.push(Difference { text, weight });
    if expected.method != request.method {
        add(4, format!("method: expected {}, sent {}", expected.method, request.method));
    }
    for (part, weight, wanted, sent) in url_parts(expected.url, &request.url, expected.any_query) {
        add(weight, format!("URL {part}: expected {wanted}, sent {sent}"));
    }
    for (name, value) in expected.headers {
        let sent: Vec<&HeaderValue> = request.headers.get_all(name).iter().collect();
        if sent.contains(&value) {
            continue;
        }
        let secret = is_secret_header(name) || sent.iter().any(|v| v.is_sensitive());
        let text = match (sent.is_empty(), secret) {
            (true, _) => format!("header {name}: expected {}, not sent", shown_header(value, secret)),
            (false, true) => format!("header {name}: the value sent differs (not shown: it is a credential)"),
            (false, false) => {
                let sent: Vec<String> = sent.iter().map(|v| shown_header(v, false)).collect();
                format!("header {name}: expected {}, sent {}", shown_header(value, false), sent.join(", "))
            }
        };
        add(2, text);
    }
    for text in body_differences(&expected.body, &request.body) {
        add(2, text);
    }
    found
}

/// How far apart a request and an exchange are; the closest exchange has the least.
pub(super) fn distance(differences: &[Difference]) -> u32 {
    differences.iter().map(|difference| difference.weight).sum()
}

/// The parts of two URLs that differ: `(part, weight, expected, sent)`.
fn url_parts(expected: &Url, sent: &Url, any_query: bool) -> Vec<(&'static str, u32, String, String)> {
    let mut parts = Vec::new();
    let quoted = |text: Option<&str>| text.map_or_else(|| "none".to_owned(), |text| format!("`{text}`"));
    if expected.scheme() != sent.scheme() {
        parts.push(("scheme", 8, quoted(Some(expected.scheme())), quoted(Some(sent.scheme()))));
    }
    if expected.host_str() != sent.host_str() {
        parts.push(("host", 8, quoted(expected.host_str()), quoted(sent.host_str())));
    }
    if expected.port_or_known_default() != sent.port_or_known_default() {
        let port = |url: &Url| url.port_or_known_default().map_or_else(|| "none".to_owned(), |p| p.to_string());
        parts.push(("port", 8, port(expected), port(sent)));
    }
    if expected.path() != sent.path() {
        parts.push(("path", 6, quoted(Some(expected.path())), quoted(Some(sent.path()))));
    }
    if !any_query && expected.query() != sent.query() {
        let query = |url: &Url| {
            let redacted = RedactedUrl::new(url);
            let text = redacted.as_str().split_once('?').map(|(_, query)| query.to_owned());
            quoted(text.as_deref())
        };
        parts.push(("query", 3, query(expected), query(sent)));
    }
    parts
}

fn is_secret_header(name: &HeaderName) -> bool {
    let name = name.as_str();
    is_secret_query_name(name) || name.contains("cookie")
}

fn shown_header(value: &HeaderValue, secret: bool) -> String {
    if secret || value.is_sensitive() {
        return REDACTED.to_owned();
    }
    format!("`{}`", shorten(&String::from_utf8_lossy(value.as_bytes())))
}

fn body_differences(expected: &ExpectedBody<'_>, sent: &[u8]) -> Vec<String> {
    match expected {
        ExpectedBody::Any | ExpectedBody::Predicate(true) => Vec::new(),
        ExpectedBody::Predicate(false) => vec!["body: the exchange's body predicate refused the body sent".to_owned()],
        ExpectedBody::Exact(bytes) if *bytes == sent => Vec::new(),
        ExpectedBody::Exact(bytes) => {
            vec![format!("body: expected {}, sent {}", shown_body(bytes), shown_body(sent))]
        }
        ExpectedBody::Json(wanted) => match serde_json::from_slice::<Value>(sent) {
            Ok(actual) => {
                let mut found = Vec::new();
                json_differences(wanted, &actual, "", false, &mut found);
                if found.len() > MAX_BODY_DIFFERENCES {
                    let more = found.len() - MAX_BODY_DIFFERENCES;
                    found.truncate(MAX_BODY_DIFFERENCES);
                    found.push(format!("body: {more} more differences"));
                }
                found
            }
            Err(_) => vec![format!("body: expected JSON, sent {}", shown_body(sent))],
        },
    }
}

/// Differences between two JSON values, each named by its JSON pointer.
fn json_differences(wanted: &Value, actual: &Value, at: &str, secret: bool, found: &mut Vec<String>) {
    let shown = |value: &Value| if secret { REDACTED.to_owned() } else { shorten(&value.to_string()) };
    let place = if at.is_empty() { "body".to_owned() } else { format!("body at {at}") };
    match (wanted, actual) {
        (Value::Object(wanted), Value::Object(actual)) => {
            for (key, wanted_value) in wanted {
                let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                let secret = secret || is_secret_query_name(key);
                match actual.get(key) {
                    Some(actual_value) => json_differences(wanted_value, actual_value, &pointer, secret, found),
                    None => {
                        let expected = if secret { REDACTED.to_owned() } else { shorten(&wanted_value.to_string()) };
                        found.push(format!("body at {pointer}: expected {expected}, not sent"));
                    }
                }
            }
            for (key, actual_value) in actual.iter().filter(|(key, _)| !wanted.contains_key(*key)) {
                let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                let value = if secret || is_secret_query_name(key) {
                    REDACTED.to_owned()
                } else {
                    shorten(&actual_value.to_string())
                };
                found.push(format!("body at {pointer}: not expected, sent {value}"));
            }
        }
        (Value::Array(wanted), Value::Array(actual)) => {
            if wanted.len() != actual.len() {
                found.push(format!("{place}: expected {} items, sent {}", wanted.len(), actual.len()));
            }
            for (index, (wanted, actual)) in wanted.iter().zip(actual).enumerate() {
                json_differences(wanted, actual, &format!("{at}/{index}"), secret, found);
            }
        }
        (wanted, actual) if wanted != actual => {
            found.push(format!("{place}: expected {}, sent {}", shown(wanted), shown(actual)));
        }
        _ => {}
    }
}

/// A body as a report shows it: JSON and form values under secret-looking names
/// hidden, text cut short, bytes that are not UTF-8 counted rather than printed.
pub(super) fn shown_body(body: &[u8]) -> String {
    if body.is_empty() {
        return "no body".to_owned();
    }
    if let Ok(mut json) = serde_json::from_slice::<Value>(body) {
        hide_secret_values(&mut json);
        return shorten(&json.to_string());
    }
    match std::str::from_utf8(body) {
        Ok(text) if text.contains('=') && !text.contains(char::is_whitespace) => {
            let pairs = url::form_urlencoded::parse(text.as_bytes()).map(|(name, value)| {
                let value = if is_secret_query_name(&name) { REDACTED.into() } else { value };
                format!("{name}={value}")
            });
            format!("`{}`", shorten(&pairs.collect::<Vec<_>>().join("&")))
        }
        Ok(text) => format!("`{}`", shorten(text)),
        Err(_) => format!("{} bytes that are not UTF-8", body.len()),
    }
}

fn hide_secret_values(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if is_secret_query_name(key) {
                    *child = Value::String(REDACTED.to_owned());
                } else {
                    hide_secret_values(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(hide_secret_values),
        _ => {}
    }
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// What was sent, one line each for the request line, the headers and the body.
pub(super) fn describe_sent(request: &RecordedRequest) -> String {
    let mut out = format!("  sent: {request}\n");
    let mut names: Vec<&HeaderName> = request.headers.keys().collect();
    names.sort_by_key(|name| name.as_str());
    for name in names {
        for value in request.headers.get_all(name) {
            let _ = writeln!(out, "    {name}: {}", shown_header(value, is_secret_header(name)));
        }
    }
    let _ = write!(out, "    body: {}", shown_body(&request.body));
    out
}
