//! What goes wrong when talking to Slack, in words a user can act on.

use block_core::credentials::CredentialsType;
use block_core::http::{HttpError, StatusCode};

/// Why a call to Slack's Web API failed. Its text never contains the token.
///
/// Slack answers most failures with `200 OK` and `{"ok": false, "error": "<code>"}`;
/// the codes that mean the same to a user are grouped here.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SlackError {
    /// No answer: connection, time-out, or a refused address.
    #[error("Slack could not be reached")]
    Request(#[source] HttpError),
    /// The token is wrong, revoked, expired, or its account is gone.
    #[error("Slack refused the credentials ({code}); reconnect the workspace or use a bot token that is still valid")]
    Unauthorized {
        /// Slack's error code, e.g. `invalid_auth`.
        code: String,
    },
    /// The token lacks a scope the method needs.
    #[error(
        "the Slack token lacks the scope {needed} that {method} needs (it has: {provided}); add it to the app and reinstall it"
    )]
    MissingScope {
        /// The method called.
        method: String,
        /// The scope Slack named as needed.
        needed: String,
        /// The scopes the token has.
        provided: String,
    },
    /// What the call named does not exist, or the token cannot see it.
    #[error("Slack found no {target} ({code})")]
    NotFound {
        /// What was looked for, e.g. "channel `C0123`".
        target: String,
        /// Slack's error code, e.g. `channel_not_found`.
        code: String,
    },
    /// The bot is not a member of the channel it tried to use.
    #[error("the Slack app is not in {target}; invite it to the channel first (/invite @app)")]
    NotInChannel {
        /// The channel, e.g. "channel `C0123`".
        target: String,
    },
    /// Slack's rate limit for the method is used up.
    #[error("Slack rate limited {method} until {until}; try again then")]
    RateLimited {
        /// The method called.
        method: String,
        /// How long Slack asked to wait.
        until: String,
    },
    /// Any other refusal.
    #[error("Slack refused {method}: {code}")]
    Api {
        /// The method called.
        method: String,
        /// Slack's error code.
        code: String,
    },
    /// An error status without Slack's JSON.
    #[error("Slack answered {status} to {method}")]
    Status {
        /// The method called.
        method: String,
        /// The status.
        status: StatusCode,
    },
    /// A success whose body is not the JSON expected.
    #[error("Slack sent an answer to {method} that is not the expected JSON: {reason}")]
    Decode {
        /// The method called.
        method: String,
        /// What was wrong.
        reason: String,
    },
    /// The credentials are of a kind Slack does not take.
    #[error("these credentials are {0}; Slack takes a bot token (API key) or an OAuth 2 login")]
    UnsupportedCredentials(CredentialsType),
}

impl SlackError {
    /// The error for Slack's `{"ok": false, ...}` answer to `method` about `target`.
    pub(crate) fn from_answer(method: &str, target: &str, body: &serde_json::Value) -> Self {
        let text = |key: &str| body.get(key).and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
        let code = text("error");
        match code.as_str() {
            "not_authed" | "invalid_auth" | "token_revoked" | "token_expired" | "account_inactive"
            | "org_login_required" | "ekm_access_denied" => SlackError::Unauthorized { code },
            "missing_scope" => SlackError::MissingScope {
                method: method.to_owned(),
                needed: text("needed"),
                provided: text("provided"),
            },
            "channel_not_found" | "user_not_found" | "users_not_found" | "thread_not_found" | "message_not_found" => {
                SlackError::NotFound { target: target.to_owned(), code }
            }
            "not_in_channel" => SlackError::NotInChannel { target: target.to_owned() },
            "ratelimited" => SlackError::RateLimited { method: method.to_owned(), until: "the limit resets".into() },
            "" => {
                SlackError::Decode { method: method.to_owned(), reason: "`ok` is false but no `error` is given".into() }
            }
            _ => SlackError::Api { method: method.to_owned(), code },
        }
    }
}
