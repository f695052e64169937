//! What goes wrong when talking to Discord, in words a user can act on.

use block_core::http::{HttpError, Response, StatusCode};
use block_core::prelude::*;

use crate::retry_after::retry_after;

/// Why a call to Discord failed. Its text never contains a token or webhook URL.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscordError {
    /// No answer: connection or time-out.
    #[error("Discord could not be reached")]
    Request(#[source] HttpError),
    /// 401: the bot token (or webhook token) is wrong or was reset.
    #[error("Discord refused the credentials (401{}); reset the token and store the new one", suffix(.message))]
    Unauthorized {
        /// Discord's `message`.
        message: String,
    },
    /// 403: the bot lacks a permission in that channel (code 50013, 50001).
    #[error("Discord denied access (403{}); give the bot access to the channel and the Send Messages permission", suffix(.message))]
    Forbidden {
        /// Discord's `message`.
        message: String,
    },
    /// 404: no such channel or webhook (codes 10003, 10015).
    #[error("Discord found no {what} (404{}); check that it exists and the bot can see it", suffix(.message))]
    NotFound {
        /// What was asked for: `channel 123` or `webhook`.
        what: String,
        /// Discord's `message`, e.g. `Unknown Channel`.
        message: String,
    },
    /// 400: Discord refused the message (too long, empty, ...).
    #[error("Discord rejected the message (400{}){}", suffix(.message), suffix(.details))]
    BadRequest {
        /// Discord's `message`.
        message: String,
        /// The fields Discord's `errors` object names.
        details: String,
    },
    /// 429: rate limited on this route, or globally.
    #[error("Discord rate limited {scope} until {until}; try again then")]
    RateLimited {
        /// `these credentials` or `every request (global limit)`.
        scope: &'static str,
        /// From `Retry-After` or the body's `retry_after`.
        until: String,
    },
    /// Any other error status.
    #[error("Discord answered {status}{}", suffix(.message))]
    Status {
        /// The status.
        status: StatusCode,
        /// Discord's `message`, if any.
        message: String,
    },
    /// A 2xx answer that is not the message object documented.
    #[error("Discord sent an answer this block cannot read: {0}")]
    Unexpected(String),
    /// The webhook URL is not a Discord webhook URL.
    #[error(
        "the credentials are not a Discord webhook URL; it looks like https://discord.com/api/webhooks/<id>/<token>"
    )]
    NotAWebhookUrl,
}

fn suffix(text: &str) -> String {
    if text.is_empty() { String::new() } else { format!(": {text}") }
}

impl DiscordError {
    /// The error for a response with an error status, about `what` (for a 404);
    /// `secrets` are erased from anything Discord said.
    pub(crate) fn from_response(response: &Response, what: &str, secrets: &[&SecretString]) -> Self {
        let status = response.status();
        let body: Value = response.json().unwrap_or(Value::Null);
        let scrub = |text: &str| {
            secrets
                .iter()
                .map(|s| s.expose_secret())
                .filter(|s| !s.is_empty())
                .fold(text.to_owned(), |t, s| t.replace(s, "[redacted]"))
        };
        let message = scrub(body["message"].as_str().unwrap_or_default());
        match status.as_u16() {
            401 => DiscordError::Unauthorized { message },
            403 => DiscordError::Forbidden { message },
            404 => DiscordError::NotFound { what: what.to_owned(), message },
            400 => DiscordError::BadRequest { message, details: scrub(&field_errors(&body["errors"], "")) },
            429 => {
                let scope = if body["global"] == true { "every request (global limit)" } else { "these credentials" };
                let until = retry_after(response.headers())
                    .or_else(|| body["retry_after"].as_f64().map(|s| format!("{s} seconds from now")))
                    .unwrap_or_else(|| "the limit resets".to_owned());
                DiscordError::RateLimited { scope, until }
            }
            _ => DiscordError::Status { status, message },
        }
    }
}

/// `content: Must be 2000 or fewer in length.` from Discord's nested `errors`
/// object (`{"content": {"_errors": [{"code", "message"}]}}`).
fn field_errors(errors: &Value, path: &str) -> String {
    let Some(members) = errors.as_object() else { return String::new() };
    let mut found = Vec::new();
    for (key, value) in members {
        if key == "_errors" {
            for error in value.as_array().into_iter().flatten() {
                let message = error["message"].as_str().unwrap_or("invalid");
                found.push(if path.is_empty() { message.to_owned() } else { format!("{path}: {message}") });
            }
        } else {
            let nested = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            let text = field_errors(value, &nested);
            if !text.is_empty() {
                found.push(text);
            }
        }
    }
    found.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_name_the_nested_field() {
        let errors = json!({"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]},
                            "embeds": {"0": {"title": {"_errors": [{"code": "X", "message": "Too long."}]}}}});
        assert_eq!(field_errors(&errors, ""), "content: Must be 2000 or fewer in length.; embeds.0.title: Too long.");
    }
}
