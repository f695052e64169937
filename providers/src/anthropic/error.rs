//! What goes wrong when talking to Anthropic, in words a user can act on.

use block_core::http::{HttpError, Response, StatusCode};
use block_core::prelude::*;

use crate::retry_after::retry_after;

/// Why a call to the Anthropic API failed. Its text never contains the API key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnthropicError {
    /// No answer: connection or time-out.
    #[error("Anthropic could not be reached")]
    Request(#[source] HttpError),
    /// 401 `authentication_error`: the key is wrong or revoked.
    #[error("Anthropic refused the API key (401{}); check the key or create a new one", suffix(.message))]
    Unauthorized {
        /// Anthropic's `error.message`.
        message: String,
    },
    /// 403 `permission_error`: the key may not use this model or feature.
    #[error("Anthropic denied access (403{})", suffix(.message))]
    Forbidden {
        /// Anthropic's `error.message`.
        message: String,
    },
    /// 404 `not_found_error`: usually a model name that does not exist.
    #[error("Anthropic found nothing at {path} (404{}); check the model name", suffix(.message))]
    NotFound {
        /// The API path asked for.
        path: String,
        /// Anthropic's `error.message`, which names what is missing.
        message: String,
    },
    /// 400 `invalid_request_error` or 413 `request_too_large`.
    #[error("Anthropic rejected the request ({status}{})", suffix(.message))]
    BadRequest {
        /// The status.
        status: u16,
        /// Anthropic's `error.message`.
        message: String,
    },
    /// 429 `rate_limit_error`.
    #[error("Anthropic rate limited this key until {until}; try again then")]
    RateLimited {
        /// From `retry-after` or the `anthropic-ratelimit-*-reset` headers.
        until: String,
    },
    /// 529 `overloaded_error`: Anthropic's side is busy.
    #[error("Anthropic is overloaded (529); try again in a moment")]
    Overloaded,
    /// Any other error status.
    #[error("Anthropic answered {status}{}", suffix(.message))]
    Status {
        /// The status.
        status: StatusCode,
        /// Anthropic's `error.message`, if any.
        message: String,
    },
    /// A 2xx answer whose body is not JSON.
    #[error("Anthropic sent a response that is not JSON")]
    Decode(#[source] HttpError),
}

fn suffix(text: &str) -> String {
    if text.is_empty() { String::new() } else { format!(": {text}") }
}

impl AnthropicError {
    /// The error for a response with an error status; `key` is erased from
    /// anything Anthropic said.
    pub(crate) fn from_response(response: &Response, path: &str, key: &SecretString) -> Self {
        let status = response.status();
        let body: Value = response.json().unwrap_or(Value::Null);
        let secret = key.expose_secret();
        let raw = body["error"]["message"].as_str().unwrap_or_default();
        let message = if secret.is_empty() { raw.to_owned() } else { raw.replace(secret, "[redacted]") };
        match status.as_u16() {
            401 => AnthropicError::Unauthorized { message },
            403 => AnthropicError::Forbidden { message },
            404 => AnthropicError::NotFound { path: path.to_owned(), message },
            400 | 413 => AnthropicError::BadRequest { status: status.as_u16(), message },
            429 => {
                let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
                let until = retry_after(response.headers())
                    .or_else(|| header("anthropic-ratelimit-requests-reset"))
                    .or_else(|| header("anthropic-ratelimit-tokens-reset"))
                    .unwrap_or_else(|| "the limit resets".to_owned());
                AnthropicError::RateLimited { until }
            }
            529 => AnthropicError::Overloaded,
            _ => AnthropicError::Status { status, message },
        }
    }
}
