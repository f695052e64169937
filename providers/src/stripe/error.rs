//! What goes wrong when talking to Stripe, in words a user can act on.

use block_core::http::{HttpError, StatusCode};

/// Why a call to Stripe's API failed. Its text never contains the secret key.
///
/// Stripe answers errors with an HTTP status and `{"error": {"type", "code",
/// "message", "param"}}`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StripeError {
    /// No answer: connection, time-out, or a refused address.
    #[error("Stripe could not be reached")]
    Request(#[source] HttpError),
    /// 401: the secret key is wrong or was rolled.
    #[error(
        "Stripe refused the API key (401: {message}); use a secret key (sk_...) or restricted key that is still valid"
    )]
    Unauthorized {
        /// Stripe's message (it masks keys itself).
        message: String,
    },
    /// 403: a restricted key lacks the permission.
    #[error("Stripe denied access (403: {message}); the restricted key needs write access to this resource")]
    Forbidden {
        /// Stripe's message.
        message: String,
    },
    /// 404, or `resource_missing`: what the request named does not exist in this
    /// account and mode.
    #[error(
        "Stripe found no {target} ({message}); check the id, and that it belongs to this account and to test or live mode as the key does"
    )]
    NotFound {
        /// What was looked for, e.g. "price `price_123`".
        target: String,
        /// Stripe's message.
        message: String,
    },
    /// 400 or 402: Stripe refused the request's content.
    #[error("Stripe rejected the request ({status}{}): {message}", param_suffix(.param))]
    Invalid {
        /// The status.
        status: StatusCode,
        /// Stripe's message.
        message: String,
        /// The parameter at fault, when Stripe names one.
        param: String,
    },
    /// 429: too many requests.
    #[error("Stripe rate limited these requests until {until}; try again then")]
    RateLimited {
        /// How long Stripe asked to wait, or what to wait for.
        until: String,
    },
    /// Any other error status.
    #[error("Stripe answered {status}: {message}")]
    Status {
        /// The status.
        status: StatusCode,
        /// Stripe's message, if any.
        message: String,
    },
    /// A success whose body is not the JSON expected.
    #[error("Stripe sent an answer that is not the expected JSON")]
    Decode(#[source] HttpError),
}

fn param_suffix(param: &str) -> String {
    if param.is_empty() { String::new() } else { format!(", parameter `{param}`") }
}
