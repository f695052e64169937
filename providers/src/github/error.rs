//! What goes wrong when talking to GitHub, in words a user can act on.

use std::time::{Duration, UNIX_EPOCH};

use block_core::credentials::CredentialsType;
use block_core::http::{HeaderMap, HttpError, Response, StatusCode};
use block_core::prelude::*;

/// Why a call to the GitHub API failed. Its text never contains the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GithubError {
    /// No answer: connection, time-out, or a refused address.
    #[error("GitHub could not be reached")]
    Request(#[source] HttpError),
    /// 401: the token is wrong, expired or revoked.
    #[error("GitHub refused the credentials (401{}); reconnect the account or use a token that is still valid", suffix(.message))]
    Unauthorized {
        /// GitHub's `message`.
        message: String,
    },
    /// 403 without rate limiting: the token lacks a scope or access.
    #[error("GitHub denied access (403{}); the token may lack the `repo` scope or access to this repository", suffix(.message))]
    Forbidden {
        /// GitHub's `message`.
        message: String,
    },
    /// 404: no such repository, issue or hook, or one the token may not see.
    #[error(
        "GitHub found nothing at {path} (404); check the names and numbers, and that the token can see the \
         repository (GitHub answers 404 for private repositories a token cannot access)"
    )]
    NotFound {
        /// The API path asked for.
        path: String,
    },
    /// 422: GitHub understood the request but refused its content.
    #[error("GitHub rejected the request (422{}){}", suffix(.message), suffix(.details))]
    Unprocessable {
        /// GitHub's `message`, e.g. `Validation Failed`.
        message: String,
        /// The `errors` GitHub listed, e.g. `title: missing_field`.
        details: String,
    },
    /// 403 or 429 because the rate limit is used up.
    #[error("GitHub rate limited these credentials until {until}; try again then")]
    RateLimited {
        /// When the limit resets, as an HTTP date, or how long to wait.
        until: String,
    },
    /// Any other error status.
    #[error("GitHub answered {status}{}", suffix(.message))]
    Status {
        /// The status.
        status: StatusCode,
        /// GitHub's `message`, if any.
        message: String,
    },
    /// A 2xx answer whose body is not the JSON expected.
    #[error("GitHub sent a response that is not the expected JSON")]
    Decode(#[source] HttpError),
    /// A `Link` header pointed the next page outside the API, where the token must
    /// not go.
    #[error("GitHub's Link header points the next page to {origin}, not https://api.github.com; it was not followed")]
    ForeignNextPage {
        /// The scheme and host it pointed to.
        origin: String,
    },
    /// The credentials are of a kind GitHub does not take.
    #[error("these credentials are {0}; GitHub takes a personal access token (API key) or an OAuth 2 login")]
    UnsupportedCredentials(CredentialsType),
}

fn suffix(text: &str) -> String {
    if text.is_empty() { String::new() } else { format!(": {text}") }
}

impl GithubError {
    /// The error for a response with an error status, from its status, rate-limit
    /// headers and body; `token` is erased from anything GitHub said.
    pub(crate) fn from_response(response: &Response, path: &str, token: &SecretString) -> Self {
        let status = response.status();
        let body: Value = response.json().unwrap_or(Value::Null);
        let scrub = |text: &str| {
            let secret = token.expose_secret();
            if secret.is_empty() { text.to_owned() } else { text.replace(secret, "[redacted]") }
        };
        let message = scrub(body.get("message").and_then(Value::as_str).unwrap_or_default());
        if matches!(status.as_u16(), 403 | 429)
            && let Some(until) = rate_limited_until(response.headers(), status)
        {
            return GithubError::RateLimited { until };
        }
        match status.as_u16() {
            401 => GithubError::Unauthorized { message },
            403 => GithubError::Forbidden { message },
            404 => GithubError::NotFound { path: path.to_owned() },
            422 => GithubError::Unprocessable { message, details: scrub(&validation_details(&body)) },
            _ => GithubError::Status { status, message },
        }
    }
}

/// When a 403/429 answer is GitHub's rate limiting, when it ends: the
/// `x-ratelimit-reset` time once `x-ratelimit-remaining` is 0, else what
/// `retry-after` asks (secondary limits); `None` when it is not rate limiting.
fn rate_limited_until(headers: &HeaderMap, status: StatusCode) -> Option<String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if header("x-ratelimit-remaining") == Some("0") {
        let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok());
        return Some(match reset {
            Some(seconds) => httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(seconds)),
            None => "the limit resets".to_owned(),
        });
    }
    if let Some(seconds) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(format!("{seconds} seconds from now (a secondary rate limit)"));
    }
    (status.as_u16() == 429).then(|| "the limit resets".to_owned())
}

/// `title: missing_field; labels: invalid` from a 422 body's `errors`.
fn validation_details(body: &Value) -> String {
    let Some(errors) = body.get("errors").and_then(Value::as_array) else { return String::new() };
    let describe = |error: &Value| {
        if let Some(text) = error.as_str() {
            return text.to_owned();
        }
        let text = |key: &str| error.get(key).and_then(Value::as_str);
        match (text("field"), text("message").or_else(|| text("code"))) {
            (Some(field), Some(what)) => format!("{field}: {what}"),
            (None, Some(what)) => what.to_owned(),
            (Some(field), None) => format!("{field} is invalid"),
            (None, None) => error.to_string(),
        }
    };
    errors.iter().map(describe).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_details_name_the_field_and_what_is_wrong() {
        let body = json!({"message": "Validation Failed", "errors": [
            {"resource": "Issue", "field": "title", "code": "missing_field"},
            {"resource": "Label", "code": "custom", "message": "label does not exist"},
            "plain text"
        ]});
        assert_eq!(validation_details(&body), "title: missing_field; label does not exist; plain text");
        assert_eq!(validation_details(&json!({})), "");
    }

    #[test]
    fn rate_limits_read_the_reset_time_or_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", "0".parse().expect("valid"));
        headers.insert("x-ratelimit-reset", "1700000000".parse().expect("valid"));
        assert_eq!(
            rate_limited_until(&headers, StatusCode::FORBIDDEN).as_deref(),
            Some("Tue, 14 Nov 2023 22:13:20 GMT")
        );
        let mut secondary = HeaderMap::new();
        secondary.insert("retry-after", "60".parse().expect("valid"));
        assert!(rate_limited_until(&secondary, StatusCode::FORBIDDEN).is_some_and(|u| u.starts_with("60 seconds")));
        assert_eq!(rate_limited_until(&HeaderMap::new(), StatusCode::FORBIDDEN), None, "a plain 403 is not a limit");
    }
}
