//! What goes wrong when talking to Twilio, in words a user can act on.

use block_core::http::{HttpError, StatusCode};

/// Why a call to Twilio's REST API failed. Its text never contains the auth token.
///
/// Twilio answers errors with an HTTP status and `{"code", "message", "more_info",
/// "status"}`, `code` being one of its numbered errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TwilioError {
    /// No answer: connection, time-out, or a refused address.
    #[error("Twilio could not be reached")]
    Request(#[source] HttpError),
    /// The account SID has a character no SID has; nothing was sent.
    #[error("the Twilio account SID is malformed (it is `AC` and 32 hexadecimal digits, as the Console shows it)")]
    MalformedAccountSid,
    /// 401: the account SID and auth token do not match.
    #[error(
        "Twilio refused the account SID and auth token (401, error {code}: {message}); check both in the Twilio Console"
    )]
    Unauthorized {
        /// Twilio's error code (20003).
        code: i64,
        /// Twilio's message.
        message: String,
    },
    /// 404: the account or resource named does not exist.
    #[error("Twilio found no {target} (404, error {code}: {message})")]
    NotFound {
        /// What was looked for, e.g. "account `AC...`".
        target: String,
        /// Twilio's error code.
        code: i64,
        /// Twilio's message.
        message: String,
    },
    /// 429: too many requests.
    #[error("Twilio rate limited the account until {until}; try again then")]
    RateLimited {
        /// How long Twilio asked to wait.
        until: String,
    },
    /// 400: Twilio refused the request's content.
    #[error("Twilio rejected the request (error {code}: {message}){}", see_also(.more_info))]
    Invalid {
        /// Twilio's error code, e.g. 21211 for an invalid `To` number.
        code: i64,
        /// Twilio's message.
        message: String,
        /// Twilio's page about the error.
        more_info: String,
    },
    /// Any other error status.
    #[error("Twilio answered {status}: {message}")]
    Status {
        /// The status.
        status: StatusCode,
        /// Twilio's message, if any.
        message: String,
    },
    /// A success whose body is not the JSON expected.
    #[error("Twilio sent an answer that is not the expected JSON")]
    Decode(#[source] HttpError),
}

fn see_also(url: &str) -> String {
    if url.is_empty() { String::new() } else { format!("; see {url}") }
}
