//! Telegram, as one module: the provider, the Bot API client, the webhook manager
//! and the blocks.
//!
//! Written against the Telegram Bot API documentation,
//! <https://core.telegram.org/bots/api>: making requests and errors
//! (`#making-requests`), `sendMessage`, `setWebhook` (with `secret_token`),
//! `deleteWebhook`, `getWebhookInfo`, and the `Update` object; webhooks,
//! <https://core.telegram.org/bots/webhooks>.
//!
//! - [`Telegram`], the provider: a bot token (`TELEGRAM_BOT_TOKEN` for the
//!   platform default), the trusted origin `https://api.telegram.org`.
//! - [`TelegramClient`] (`client.rs`): the token in the URL's path, erased from
//!   every error and refused unsent if it could change the path; Telegram's
//!   `error_code`s mapped to [`TelegramError`].
//! - [`TelegramWebhookManager`] (`webhooks.rs`): webhooks registered with
//!   `setWebhook` and a `secret_token` we generate, checked on every update.
//! - Block: [`TelegramSendMessageBlock`]; trigger: [`TelegramMessageTriggerBlock`].
//!
//! Nothing here prints a bot token or a secret token, or sends a token anywhere
//! but `https://api.telegram.org`.

mod client;
mod error;
mod send_message;
#[cfg(test)]
mod tests;
mod trigger;
mod webhooks;

use block_core::prelude::*;

pub use client::TelegramClient;
pub use error::TelegramError;
pub use send_message::{ParseMode, TelegramSendMessageBlock, TelegramSendMessageInput, TelegramSendMessageOutput};
pub use trigger::{TelegramMessageTriggerBlock, TelegramMessageTriggerInput, TelegramMessageTriggerOutput};
pub use webhooks::{SECRET_HEADER, TelegramWebhookManager};

/// Telegram's Bot API (`https://api.telegram.org`), reached with a bot token.
///
/// Setting `TELEGRAM_BOT_TOKEN` gives every user platform default credentials.
/// The trigger's webhook is registered with the bot's token.
#[provider(
    name = "telegram",
    display_name = "Telegram",
    api_key(env = "TELEGRAM_BOT_TOKEN"),
    trusted_origins = ["https://api.telegram.org"],
    webhooks(auto, manager = TelegramWebhookManager),
)]
pub struct Telegram;
