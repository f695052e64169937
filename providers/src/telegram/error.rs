//! What goes wrong when talking to Telegram, in words a user can act on.

use block_core::http::{HttpError, StatusCode};

/// Why a call to the Telegram Bot API failed. Its text never contains the bot
/// token, which travels in the URL's path.
///
/// Telegram answers failures with `{"ok": false, "error_code", "description"}`
/// and, for flood control, `parameters.retry_after`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TelegramError {
    /// No answer: connection, time-out, or a refused address.
    #[error("Telegram could not be reached")]
    Request(#[source] HttpError),
    /// The token has a character no bot token has; it was not sent.
    #[error("the Telegram bot token is malformed (a bot token is `<bot id>:<secret>` as @BotFather gives it)")]
    MalformedToken,
    /// 401, or 404 for a token Telegram does not know.
    #[error("Telegram refused the bot token ({code}: {description}); check it with @BotFather")]
    Unauthorized {
        /// Telegram's `error_code`.
        code: i64,
        /// Telegram's `description`.
        description: String,
    },
    /// 403: the bot may not act there (blocked by the user, removed from the group).
    #[error("Telegram forbade it: {description}")]
    Forbidden {
        /// Telegram's `description`, e.g. `Forbidden: bot was blocked by the user`.
        description: String,
    },
    /// 400 "... not found": the chat or message named does not exist for this bot.
    #[error("Telegram found no {target} ({description}); the user must have started the bot, or the bot be a member")]
    NotFound {
        /// What was looked for, e.g. "chat `123`".
        target: String,
        /// Telegram's `description`.
        description: String,
    },
    /// 429: flood control.
    #[error("Telegram rate limited the bot until {until}; try again then")]
    RateLimited {
        /// How long Telegram asked to wait.
        until: String,
    },
    /// 400: Telegram refused the request's content.
    #[error("Telegram rejected the request: {description}")]
    BadRequest {
        /// Telegram's `description`.
        description: String,
    },
    /// Any other error status.
    #[error("Telegram answered {status}: {description}")]
    Status {
        /// The status.
        status: StatusCode,
        /// Telegram's `description`, if any.
        description: String,
    },
    /// An answer that is not the JSON expected.
    #[error("Telegram sent an answer to {method} that is not the expected JSON")]
    Decode {
        /// The method called.
        method: String,
    },
}
