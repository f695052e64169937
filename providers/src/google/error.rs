//! What goes wrong when talking to Google's APIs, in words a user can act on.

use block_core::http::{HttpError, Response, StatusCode};
use block_core::prelude::*;

use crate::retry_after::retry_after;

/// Why a call to a Google API failed. Its text never contains the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GoogleError {
    /// No answer: connection or time-out.
    #[error("Google could not be reached")]
    Request(#[source] HttpError),
    /// 401 `UNAUTHENTICATED`: the access token expired or was revoked.
    #[error("Google refused the credentials (401{}); reconnect the Google account", suffix(.message))]
    Unauthorized {
        /// Google's `error.message`.
        message: String,
    },
    /// 403 `PERMISSION_DENIED`: a missing scope, or no access to the file.
    #[error("Google denied access (403{}); reconnect the account granting the scopes this block asks for, and check the file is shared with it", suffix(.message))]
    Forbidden {
        /// Google's `error.message`.
        message: String,
    },
    /// 404 `NOT_FOUND`.
    #[error("Google found no {what} (404{})", suffix(.message))]
    NotFound {
        /// What was asked for, e.g. `spreadsheet 1BxiM...`.
        what: String,
        /// Google's `error.message`.
        message: String,
    },
    /// 400 `INVALID_ARGUMENT` / `FAILED_PRECONDITION`.
    #[error("Google rejected the request (400{})", suffix(.message))]
    BadRequest {
        /// Google's `error.message`, e.g. `Unable to parse range: Sheet9!A1`.
        message: String,
    },
    /// 429 `RESOURCE_EXHAUSTED` (or a 403 with reason `rateLimitExceeded`).
    #[error("Google rate limited these credentials until {until}; try again then")]
    RateLimited {
        /// From `Retry-After`, when Google sends one.
        until: String,
    },
    /// Any other error status.
    #[error("Google answered {status}{}", suffix(.message))]
    Status {
        /// The status.
        status: StatusCode,
        /// Google's `error.message`, if any.
        message: String,
    },
    /// A 2xx answer whose body is not JSON.
    #[error("Google sent a response that is not JSON")]
    Decode(#[source] HttpError),
}

fn suffix(text: &str) -> String {
    if text.is_empty() { String::new() } else { format!(": {text}") }
}

impl GoogleError {
    /// The error for a response with an error status about `what`; `token` is
    /// erased from anything Google said.
    pub(crate) fn from_response(response: &Response, what: &str, token: &SecretString) -> Self {
        let status = response.status();
        let body: Value = response.json().unwrap_or(Value::Null);
        let secret = token.expose_secret();
        let raw = body["error"]["message"].as_str().unwrap_or_default();
        let message = if secret.is_empty() { raw.to_owned() } else { raw.replace(secret, "[redacted]") };
        let reasons: Vec<&str> =
            body["error"]["errors"].as_array().into_iter().flatten().filter_map(|e| e["reason"].as_str()).collect();
        let rate_limited = status.as_u16() == 429
            || (status.as_u16() == 403
                && reasons.iter().any(|r| matches!(*r, "rateLimitExceeded" | "userRateLimitExceeded")));
        if rate_limited {
            let until = retry_after(response.headers()).unwrap_or_else(|| "the quota's minute ends".to_owned());
            return GoogleError::RateLimited { until };
        }
        match status.as_u16() {
            401 => GoogleError::Unauthorized { message },
            403 => GoogleError::Forbidden { message },
            404 => GoogleError::NotFound { what: what.to_owned(), message },
            400 => GoogleError::BadRequest { message },
            _ => GoogleError::Status { status, message },
        }
    }
}
