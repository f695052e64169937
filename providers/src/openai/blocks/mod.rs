//! OpenAI's blocks, one file each, and what they share: the client for the
//! `base_url` input, the chat request, and reading the first choice.

mod api_mocks;
mod chat;
mod embeddings;
mod structured;

use block_core::credentials::CredentialsType;
use block_core::prelude::*;
use block_core::provider::platform_id;

pub use chat::{OpenAiChatBlock, OpenAiChatInput, OpenAiChatOutput};
pub use embeddings::{OpenAiEmbeddingsBlock, OpenAiEmbeddingsInput, OpenAiEmbeddingsOutput};
pub use structured::{OpenAiStructuredOutputBlock, OpenAiStructuredOutputInput, OpenAiStructuredOutputOutput};

use super::{OpenAi, OpenAiClient, OpenAiCredentials};

/// The client for a run: OpenAI itself, or the server `base_url` names.
fn client<'a>(
    ctx: &'a RunContext,
    credentials: &'a OpenAiCredentials,
    base_url: Option<&str>,
) -> Result<OpenAiClient<'a>, BlockError> {
    let client = OpenAiClient::new(ctx.http(), credentials.api_key());
    match base_url.map(str::trim).filter(|url| !url.is_empty()) {
        None => Ok(client),
        Some(url) => {
            let platform = credentials.meta().id
                == platform_id(<OpenAi as block_core::Provider>::DESCRIPTOR.name, CredentialsType::ApiKey);
            Ok(client.with_base_url(url, platform)?)
        }
    }
}

/// The body of a chat completion request for one prompt.
fn chat_body(
    client: &OpenAiClient<'_>,
    model: &str,
    system: &str,
    prompt: &str,
    max_tokens: Option<u32>,
    temperature: Option<f64>,
) -> Value {
    let mut messages = Vec::new();
    if !system.trim().is_empty() {
        messages.push(json!({"role": "system", "content": system}));
    }
    messages.push(json!({"role": "user", "content": prompt}));
    let mut body = json!({"model": model, "messages": messages});
    if let Some(max_tokens) = max_tokens {
        // OpenAI replaced `max_tokens` by `max_completion_tokens`; compatible
        // servers (Ollama, vLLM, ...) mostly still read the old name.
        let name = if client.is_custom_server() { "max_tokens" } else { "max_completion_tokens" };
        body[name] = json!(max_tokens);
    }
    if let Some(temperature) = temperature {
        body["temperature"] = json!(temperature);
    }
    body
}

/// The first choice's text and finish reason; a refusal or a missing text is an
/// error that says so.
fn first_choice(answer: &Value) -> Result<(String, String), BlockError> {
    let choice = &answer["choices"][0];
    let message = &choice["message"];
    if let Some(refusal) = message["refusal"].as_str().filter(|r| !r.is_empty()) {
        return Err(BlockError::new(format!("the model refused to answer: {refusal}")));
    }
    let content = message["content"]
        .as_str()
        .ok_or_else(|| BlockError::new("OpenAI's answer has no `choices[0].message.content`"))?;
    let finish_reason = choice["finish_reason"].as_str().unwrap_or_default().to_owned();
    Ok((content.to_owned(), finish_reason))
}

/// The answer's `usage` object as OpenAI counted it (`prompt_tokens`,
/// `completion_tokens`, `total_tokens` and the details), or an empty object.
fn usage(answer: &Value) -> Value {
    match &answer["usage"] {
        Value::Object(usage) => Value::Object(usage.clone()),
        _ => json!({}),
    }
}
