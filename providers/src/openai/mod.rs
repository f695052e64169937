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
    use std::sync::Arc;

    use block_core::http::{Exchange, MockTransport};
    use block_core::provider::{env_example, platform_credentials};
    use block_core::{Executor, InMemoryCredentialStore, Provider, Registry, RunOptions, json};

    use super::*;

    #[test]
    fn the_provider_trusts_only_the_api_origin_and_reads_the_platform_key() {
        let descriptor = OpenAi::DESCRIPTOR;
        assert_eq!(descriptor.name, "openai");
        assert_eq!(descriptor.trusted_origins, ["https://api.openai.com"]);
        assert!(env_example([descriptor]).contains("\nOPENAI_API_KEY=\n"));
    }

    /// Runs `OpenAiChatBlock` with the platform's default key, as a user who
    /// names it in the input would.
    async fn run_with_platform_key(base_url: Option<&str>, exchanges: Vec<Exchange>) -> block_core::Outputs {
        let env = |name: &str| (name == "OPENAI_API_KEY").then(|| "sk-platform-canary".to_owned());
        let platform = platform_credentials([OpenAi::DESCRIPTOR], env);
        let meta = json!(platform[0].meta());
        let registry = Registry::builder().block::<OpenAiChatBlock>().build().expect("valid");
        let block = registry.by_name("OpenAiChatBlock").expect("registered");
        let executor = Executor::new()
            .with_credentials(Arc::new(InMemoryCredentialStore::new().with_platform(platform)))
            .with_transport(Arc::new(MockTransport::new(exchanges)));
        let mut input = json!({"prompt": "Hi", "credentials": meta});
        if let Some(base_url) = base_url {
            input["base_url"] = json!(base_url);
        }
        executor.execute(block, input, RunOptions::for_user("u")).await.expect("starts").collect().await
    }

    #[tokio::test]
    async fn the_platform_key_goes_to_openai_but_never_to_a_custom_base_url() {
        let to_openai = Exchange::post("https://api.openai.com/v1/chat/completions")
            .header("authorization", "Bearer sk-platform-canary")
            .respond_json(
                200,
                json!({"choices": [{"message": {"content": "Hello"}, "finish_reason": "stop"}],
                                      "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}),
            );
        let outputs = run_with_platform_key(None, vec![to_openai]).await;
        assert_eq!(outputs.get("response"), Some(&[json!("Hello")][..]), "{:?}", outputs.error());

        let outputs = run_with_platform_key(Some("https://collector.example/v1"), vec![]).await;
        let error = outputs.error().expect("refused");
        assert!(error.contains("the platform's OpenAI key is only sent to https://api.openai.com"), "{error}");
        assert!(!error.contains("sk-platform-canary"));
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
            let own_key = block_core::Usage::default();
            let platform_key = block_core::Usage { platform_credentials: true, ..block_core::Usage::default() };
            assert_eq!(block.price(&own_key), 0, "{name} is free with the user's own key");
            assert!(block.price(&platform_key) > 0, "{name} charges on the platform key");
        }
    }
}
