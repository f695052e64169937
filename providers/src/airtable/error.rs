//! What goes wrong when talking to Airtable, in words a user can act on.

use block_core::http::{HttpError, Response, StatusCode};
use block_core::prelude::*;

/// Why a call to the Airtable API failed. Its text never contains the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AirtableError {
    /// No answer: connection or time-out.
    #[error("Airtable could not be reached")]
    Request(#[source] HttpError),
    /// 401: the token is wrong or was revoked.
    #[error("Airtable refused the token (401{}); check the personal access token", suffix(.message))]
    Unauthorized {
        /// Airtable's message.
        message: String,
    },
    /// 403: the token lacks a scope or access to the base.
    #[error("Airtable denied access (403{}); give the token the data.records scopes and access to this base", suffix(.message))]
    Forbidden {
        /// Airtable's message.
        message: String,
    },
    /// 404: no such base, table or record, or one the token cannot see.
    #[error("Airtable found no {what} (404{})", suffix(.message))]
    NotFound {
        /// What was asked for, e.g. `table Tasks in base app...`.
        what: String,
        /// Airtable's message.
        message: String,
    },
    /// 422: Airtable refused the content (unknown field, bad value, bad formula).
    #[error("Airtable rejected the request (422 {kind}{})", suffix(.message))]
    Invalid {
        /// Airtable's error type, e.g. `UNKNOWN_FIELD_NAME`.
        kind: String,
        /// Airtable's message, which names the field.
        message: String,
    },
    /// 429: more than 5 requests a second on the base.
    #[error("Airtable rate limited this base until 30 seconds from now (its penalty wait); try again then")]
    RateLimited,
    /// Any other error status.
    #[error("Airtable answered {status}{}", suffix(.message))]
    Status {
        /// The status.
        status: StatusCode,
        /// Airtable's message, if any.
        message: String,
    },
    /// A 2xx answer whose body is not JSON.
    #[error("Airtable sent a response that is not JSON")]
    Decode(#[source] HttpError),
}

fn suffix(text: &str) -> String {
    if text.is_empty() { String::new() } else { format!(": {text}") }
}

impl AirtableError {
    /// The error for a response with an error status about `what`.
    pub(crate) fn from_response(response: &Response, what: &str, token: &SecretString) -> Self {
        let status = response.status();
        let body: Value = response.json().unwrap_or(Value::Null);
        // Airtable writes `{"error": {"type", "message"}}`, or `{"error": "NOT_FOUND"}`.
        let error = &body["error"];
        let kind = error["type"].as_str().or_else(|| error.as_str()).unwrap_or("error").to_owned();
        let secret = token.expose_secret();
        let raw = error["message"].as_str().unwrap_or_default();
        let message = if secret.is_empty() { raw.to_owned() } else { raw.replace(secret, "[redacted]") };
        match status.as_u16() {
            401 => AirtableError::Unauthorized { message },
            403 => AirtableError::Forbidden { message },
            404 => AirtableError::NotFound { what: what.to_owned(), message },
            422 => AirtableError::Invalid { kind, message },
            429 => AirtableError::RateLimited,
            _ => AirtableError::Status { status, message },
        }
    }
}
