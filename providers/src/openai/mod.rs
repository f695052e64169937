//! OpenAI, as one module: the provider, the REST client and the blocks.
//!
//! Documentation followed (request and answer shapes, headers, errors):
//! - Chat Completions: <https://platform.openai.com/docs/api-reference/chat/create>
//! - Structured Outputs: <https://platform.openai.com/docs/guides/structured-outputs>
//! - Embeddings: <https://platform.openai.com/docs/api-reference/embeddings/create>
//! - Errors and rate limits: <https://platform.openai.com/docs/guides/error-codes>,
//!   <https://platform.openai.com/docs/guides/rate-limits> (`x-ratelimit-reset-*`)
//!
//! - [`OpenAi`], the provider: an API key (`OPENAI_API_KEY` for the platform
//!   default), trusted origin `https://api.openai.com` only.
//! - [`OpenAiClient`] (`client.rs`): bearer key, an optional base URL for
//!   OpenAI-compatible servers (not trusted: the SSRF guard checks every request
//!   to it, and the platform key is never sent there), errors mapped to
//!   [`OpenAiError`] (a 429 says until when, and a used-up quota is told apart).
//! - Blocks: [`OpenAiChatBlock`] (text), [`OpenAiStructuredOutputBlock`] (JSON
//!   that follows a schema), [`OpenAiEmbeddingsBlock`]; each reports OpenAI's token
//!   counts on its `usage` pin.
//!
//! Nothing here prints the API key or sends the platform's key anywhere but
//! `https://api.openai.com`.

mod blocks;
mod client;
mod error;

use block_core::prelude::*;

pub use blocks::{
    OpenAiChatBlock, OpenAiChatInput, OpenAiChatOutput, OpenAiEmbeddingsBlock, OpenAiEmbeddingsInput,
    OpenAiEmbeddingsOutput, OpenAiStructuredOutputBlock, OpenAiStructuredOutputInput, OpenAiStructuredOutputOutput,
};
pub use client::OpenAiClient;
pub use error::OpenAiError;

/// OpenAI (`https://api.openai.com`), reached with an API key.
///
/// Setting `OPENAI_API_KEY` gives every user platform default credentials, which
/// the blocks charge for; users' own keys are free.
#[provider(
    name = "openai",
    display_name = "OpenAI",
    icon = "https://openai.com/favicon.ico",
    api_key(env = "OPENAI_API_KEY"),
    trusted_origins = ["https://api.openai.com"],
)]
pub struct OpenAi;

/// The credentials every OpenAI block takes: an API key.
pub type OpenAiCredentials = Credentials<OpenAi, ApiKey>;

#[cfg(test)]
mod tests {
    use block_core::provider::env_example;
    use block_core::{Provider, Registry, json};

    use super::*;

    #[test]
    fn the_provider_trusts_only_the_api_origin_and_reads_the_platform_key() {
        let descriptor = OpenAi::DESCRIPTOR;
        assert_eq!(descriptor.name, "openai");
        assert_eq!(descriptor.trusted_origins, ["https://api.openai.com"]);
        assert!(env_example([descriptor]).contains("\nOPENAI_API_KEY=\n"));
    }

    #[test]
    fn every_block_asks_for_an_openai_key_and_costs_only_on_the_platform_key() {
        let registry = Registry::builder()
            .block::<OpenAiChatBlock>()
            .block::<OpenAiStructuredOutputBlock>()
            .block::<OpenAiEmbeddingsBlock>()
            .build()
            .expect("valid");
        for name in ["OpenAiChatBlock", "OpenAiStructuredOutputBlock", "OpenAiEmbeddingsBlock"] {
            let block = registry.by_name(name).expect("registered");
            let credentials = &block.input_schema()["properties"]["credentials"];
            assert_eq!(credentials["credentials_provider"], json!(["openai"]), "{name}");
            assert_eq!(credentials["credentials_types"], json!(["api_key"]), "{name}");
            assert!(block.output_schema()["properties"].get("usage").is_some(), "{name} reports usage");
        }
    }
}
