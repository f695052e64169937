//! What goes wrong when talking to OpenAI (or a compatible server), in words a
//! user can act on.

use block_core::http::{HttpError, Response, StatusCode};
use block_core::prelude::*;

use crate::retry_after::retry_after;

/// Why a call to the OpenAI API failed. Its text never contains the API key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenAiError {
    /// No answer: connection, time-out, or an address the SSRF guard refused.
    #[error("OpenAI could not be reached")]
    Request(#[source] HttpError),
    /// 401: the key is wrong, revoked, or of another organization.
    #[error("OpenAI refused the API key (401{}); check the key or create a new one", suffix(.message))]
    Unauthorized {
        /// OpenAI's `error.message`.
        message: String,
    },
    /// 403: the key may not use this model, endpoint or region.
    #[error("OpenAI denied access (403{})", suffix(.message))]
    Forbidden {
        /// OpenAI's `error.message`.
        message: String,
    },
    /// 404: usually a model that does not exist or that the key cannot use.
    #[error("OpenAI found nothing at {path} (404{})", suffix(.message))]
    NotFound {
        /// The API path asked for.
        path: String,
        /// OpenAI's `error.message`, which names the missing model.
        message: String,
    },
    /// 400 or 422: OpenAI refused the request's content.
    #[error("OpenAI rejected the request ({status}{}){}", suffix(.message), .param.as_ref().map(|p| format!("; check parameter `{p}`")).unwrap_or_default())]
    BadRequest {
        /// The status.
        status: u16,
        /// OpenAI's `error.message`.
        message: String,
        /// The parameter OpenAI names, if any.
        param: Option<String>,
    },
    /// 429 `insufficient_quota`: the account's credit or budget is used up.
    #[error("OpenAI says the account has no quota left (429{}); add credit or raise the budget", suffix(.message))]
    QuotaExceeded {
        /// OpenAI's `error.message`.
        message: String,
    },
    /// 429: too many requests or tokens per minute.
    #[error("OpenAI rate limited this key until {until}; try again then")]
    RateLimited {
        /// When to come back, from `Retry-After` or OpenAI's reset headers.
        until: String,
    },
    /// Any other error status (5xx: OpenAI's side).
    #[error("OpenAI answered {status}{}", suffix(.message))]
    Status {
        /// The status.
        status: StatusCode,
        /// OpenAI's `error.message`, if any.
        message: String,
    },
    /// A 2xx answer that is not what the API documents.
    #[error("OpenAI sent an answer this block cannot read: {0}")]
    Unexpected(String),
    /// A 2xx answer whose body is not JSON.
    #[error("OpenAI sent a response that is not JSON")]
    Decode(#[source] HttpError),
    /// The `base_url` input cannot be used.
    #[error("input `base_url`: {0}")]
    BaseUrl(String),
}

pub(super) fn suffix(text: &str) -> String {
    if text.is_empty() { String::new() } else { format!(": {text}") }
}

impl OpenAiError {
    /// The error for a response with an error status; `key` is erased from
    /// anything the server said.
    pub(crate) fn from_response(response: &Response, path: &str, key: &SecretString) -> Self {
        let status = response.status();
        let body: Value = response.json().unwrap_or(Value::Null);
        let error = &body["error"];
        let secret = key.expose_secret();
        let scrub = |text: &str| if secret.is_empty() { text.to_owned() } else { text.replace(secret, "[redacted]") };
        let message = scrub(error["message"].as_str().unwrap_or_default());
        match status.as_u16() {
            401 => OpenAiError::Unauthorized { message },
            403 => OpenAiError::Forbidden { message },
            404 => OpenAiError::NotFound { path: path.to_owned(), message },
            400 | 422 => OpenAiError::BadRequest {
                status: status.as_u16(),
                message,
                param: error["param"].as_str().map(str::to_owned),
            },
            429 if error["code"] == "insufficient_quota" || error["type"] == "insufficient_quota" => {
                OpenAiError::QuotaExceeded { message }
            }
            429 => {
                let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim);
                let until = retry_after(response.headers())
                    .or_else(|| header("x-ratelimit-reset-requests").map(|d| format!("{d} from now (requests)")))
                    .or_else(|| header("x-ratelimit-reset-tokens").map(|d| format!("{d} from now (tokens)")))
                    .unwrap_or_else(|| "the limit resets".to_owned());
                OpenAiError::RateLimited { until }
            }
            _ => OpenAiError::Status { status, message },
        }
    }
}
