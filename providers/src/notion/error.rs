//! What goes wrong when talking to Notion, in words a user can act on.

use block_core::credentials::CredentialsType;
use block_core::http::{HttpError, Response, StatusCode};
use block_core::prelude::*;

use crate::retry_after::retry_after;

/// Why a call to the Notion API failed. Its text never contains the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotionError {
    /// No answer: connection or time-out.
    #[error("Notion could not be reached")]
    Request(#[source] HttpError),
    /// 401 `unauthorized`: the token is wrong or was revoked.
    #[error("Notion refused the credentials (401{}); reconnect the workspace or use a valid integration token", suffix(.message))]
    Unauthorized {
        /// Notion's `message`.
        message: String,
    },
    /// 403 `restricted_resource`: the integration lacks a capability.
    #[error("Notion denied access (403{}); give the integration the capability it needs", suffix(.message))]
    Forbidden {
        /// Notion's `message`.
        message: String,
    },
    /// 404 `object_not_found`: no such page, database or block, or one not shared
    /// with the integration.
    #[error("Notion found no {what} (404{}); share it with the integration (••• > Connections)", suffix(.message))]
    NotFound {
        /// What was asked for, e.g. `database 5983...`.
        what: String,
        /// Notion's `message`.
        message: String,
    },
    /// 400 `validation_error` and the like: Notion refused the request's content.
    #[error("Notion rejected the request ({status} {code}{})", suffix(.message))]
    BadRequest {
        /// The status.
        status: u16,
        /// Notion's `code`, e.g. `validation_error`.
        code: String,
        /// Notion's `message`, which names the property at fault.
        message: String,
    },
    /// 429 `rate_limited`.
    #[error("Notion rate limited these credentials until {until}; try again then")]
    RateLimited {
        /// From `Retry-After`.
        until: String,
    },
    /// Any other error status.
    #[error("Notion answered {status}{}", suffix(.message))]
    Status {
        /// The status.
        status: StatusCode,
        /// Notion's `message`, if any.
        message: String,
    },
    /// A 2xx answer whose body is not JSON.
    #[error("Notion sent a response that is not JSON")]
    Decode(#[source] HttpError),
    /// The credentials are of a kind Notion does not take.
    #[error("these credentials are {0}; Notion takes an integration token (API key) or an OAuth 2 login")]
    UnsupportedCredentials(CredentialsType),
}

fn suffix(text: &str) -> String {
    if text.is_empty() { String::new() } else { format!(": {text}") }
}

impl NotionError {
    /// The error for a response with an error status about `what`; `token` is
    /// erased from anything Notion said.
    pub(crate) fn from_response(response: &Response, what: &str, token: &SecretString) -> Self {
        let status = response.status();
        let body: Value = response.json().unwrap_or(Value::Null);
        let secret = token.expose_secret();
        let raw = body["message"].as_str().unwrap_or_default();
        let message = if secret.is_empty() { raw.to_owned() } else { raw.replace(secret, "[redacted]") };
        match status.as_u16() {
            401 => NotionError::Unauthorized { message },
            403 => NotionError::Forbidden { message },
            404 => NotionError::NotFound { what: what.to_owned(), message },
            429 => NotionError::RateLimited {
                until: retry_after(response.headers()).unwrap_or_else(|| "the limit resets".to_owned()),
            },
            400 | 409 | 413 | 422 => NotionError::BadRequest {
                status: status.as_u16(),
                code: body["code"].as_str().unwrap_or("error").to_owned(),
                message,
            },
            _ => NotionError::Status { status, message },
        }
    }
}
