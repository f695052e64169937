//! Discord, as one module: two providers (a bot token, and a webhook URL, which
//! is itself the secret), the REST client and the blocks.
//!
//! Documentation followed (endpoints, headers, bodies, errors):
//! - Create Message: <https://discord.com/developers/docs/resources/message#create-message>
//! - Execute Webhook: <https://discord.com/developers/docs/resources/webhook#execute-webhook>
//! - Authorization (`Bot <token>`): <https://discord.com/developers/docs/reference#authentication>
//! - Rate limits (429 body `retry_after`, `global`): <https://discord.com/developers/docs/topics/rate-limits>
//! - Error codes (`10003` Unknown Channel, `50013` Missing Permissions, ...):
//!   <https://discord.com/developers/docs/topics/opcodes-and-status-codes#json>
//!
//! - [`Discord`]: a bot token (API key kind; `DISCORD_BOT_TOKEN` for the platform
//!   default), sent as `Authorization: Bot <token>`.
//! - [`DiscordWebhook`]: a channel's webhook URL, stored as an API key because the
//!   URL's last segment is a token: whoever has it can post. Only
//!   `https://discord.com/api/webhooks/{id}/{token}` is accepted, and the URL is
//!   erased from every error.
//! - Blocks: [`DiscordSendMessageBlock`] (bot), [`DiscordWebhookSendBlock`] (webhook).
//!   Both send with mentions turned off unless asked, so a message quoting
//!   `@everyone` pings nobody.
//!
//! Nothing here prints a bot token or a webhook URL.

mod client;
mod error;
mod send_message;
mod webhook_send;

use block_core::prelude::*;

pub use client::{DiscordClient, WebhookUrl};
pub use error::DiscordError;
pub use send_message::{DiscordSendMessageBlock, DiscordSendMessageInput, DiscordSendMessageOutput};
pub use webhook_send::{DiscordWebhookSendBlock, DiscordWebhookSendInput, DiscordWebhookSendOutput};

/// Discord's API (`https://discord.com/api`), reached with a bot token.
///
/// Setting `DISCORD_BOT_TOKEN` gives every user the platform's bot as default
/// credentials.
#[provider(
    name = "discord",
    display_name = "Discord",
    icon = "https://discord.com/assets/favicon.ico",
    api_key(env = "DISCORD_BOT_TOKEN"),
    trusted_origins = ["https://discord.com"],
)]
pub struct Discord;

/// A Discord channel webhook: the credentials are the webhook's URL
/// (`https://discord.com/api/webhooks/{id}/{token}`), entered as the API key.
#[provider(
    name = "discord_webhook",
    display_name = "Discord webhook",
    icon = "https://discord.com/assets/favicon.ico",
    api_key,
    trusted_origins = ["https://discord.com"],
)]
pub struct DiscordWebhook;

/// The credentials of the bot blocks: a bot token.
pub type DiscordBotCredentials = Credentials<Discord, ApiKey>;

/// The credentials of the webhook block: the webhook's URL.
pub type DiscordWebhookCredentials = Credentials<DiscordWebhook, ApiKey>;

/// The `allowed_mentions` object: none, or the usual kinds when asked.
fn allowed_mentions(allow: bool) -> Value {
    if allow { json!({"parse": ["users", "roles", "everyone"]}) } else { json!({"parse": []}) }
}

#[cfg(test)]
mod tests {
    use block_core::Provider;
    use block_core::provider::env_example;

    use super::*;

    #[test]
    fn the_bot_token_has_a_platform_variable_and_the_webhook_url_has_none() {
        let env = env_example([Discord::DESCRIPTOR, DiscordWebhook::DESCRIPTOR]);
        assert!(env.contains("\nDISCORD_BOT_TOKEN=\n"), "{env}");
        assert!(!env.contains("Discord webhook"), "a webhook URL is never a platform default: {env}");
        assert_eq!(DiscordWebhook::DESCRIPTOR.trusted_origins, ["https://discord.com"]);
    }
}
