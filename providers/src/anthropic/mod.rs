//! Anthropic, as one module: the provider, the Messages API client and its block.
//!
//! Documentation followed (request and answer shapes, headers, errors):
//! - Messages: <https://docs.anthropic.com/en/api/messages>
//! - Versions (`anthropic-version: 2023-06-01`): <https://docs.anthropic.com/en/api/versioning>
//! - Errors: <https://docs.anthropic.com/en/api/errors>
//! - Rate limits (`retry-after`, `anthropic-ratelimit-*-reset`):
//!   <https://docs.anthropic.com/en/api/rate-limits>
//!
//! - [`Anthropic`], the provider: an API key (`ANTHROPIC_API_KEY` for the
//!   platform default), sent in `x-api-key`; trusted origin
//!   `https://api.anthropic.com`.
//! - [`AnthropicClient`] (`client.rs`) and [`AnthropicError`] (`error.rs`).
//! - Block: [`AnthropicMessagesBlock`], with Anthropic's token counts on `usage`.
//!
//! Nothing here prints the API key.

mod client;
mod error;
mod messages;

use block_core::prelude::*;

pub use client::AnthropicClient;
pub use error::AnthropicError;
pub use messages::{AnthropicMessagesBlock, AnthropicMessagesInput, AnthropicMessagesOutput};

/// Anthropic (`https://api.anthropic.com`), reached with an API key.
///
/// Setting `ANTHROPIC_API_KEY` gives every user platform default credentials,
/// which the block charges for; users' own keys are free.
#[provider(
    name = "anthropic",
    display_name = "Anthropic",
    icon = "https://www.anthropic.com/favicon.ico",
    api_key(env = "ANTHROPIC_API_KEY"),
    trusted_origins = ["https://api.anthropic.com"],
)]
pub struct Anthropic;

/// The credentials the Anthropic block takes: an API key.
pub type AnthropicCredentials = Credentials<Anthropic, ApiKey>;

#[cfg(test)]
mod tests {
    use block_core::Provider;
    use block_core::provider::env_example;

    use super::*;

    #[test]
    fn the_provider_trusts_the_api_origin_and_reads_the_platform_key() {
        assert_eq!(Anthropic::DESCRIPTOR.name, "anthropic");
        assert_eq!(Anthropic::DESCRIPTOR.trusted_origins, ["https://api.anthropic.com"]);
        assert!(env_example([Anthropic::DESCRIPTOR]).contains("\nANTHROPIC_API_KEY=\n"));
    }
}
