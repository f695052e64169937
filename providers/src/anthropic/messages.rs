//! `AnthropicMessagesBlock`: one prompt, one answer, through the Messages API
//! (`POST /v1/messages`).

use block_core::http::Exchange;
use block_core::prelude::*;

use super::{AnthropicClient, AnthropicCredentials};

/// Inputs of `AnthropicMessagesBlock`.
#[derive(BlockInput)]
pub struct AnthropicMessagesInput {
    /// What to ask Claude.
    #[block_input(placeholder = "Summarise this text: ...", min_length = 1)]
    pub prompt: String,
    /// Instructions that frame every answer (the system prompt).
    #[block_input(default = "")]
    pub system_prompt: String,
    /// The model, e.g. `claude-sonnet-4-5` or `claude-haiku-4-5`.
    #[block_input(default = "claude-sonnet-4-5", advanced = false)]
    pub model: String,
    /// The most tokens the answer may take (Anthropic requires a limit).
    #[block_input(default = 1024, min = 1)]
    pub max_tokens: u32,
    /// Sampling temperature from 0 (focused) to 1 (varied); Anthropic's default
    /// when absent.
    #[block_input(min = 0, max = 1, advanced)]
    pub temperature: Option<f64>,
    /// An Anthropic API key.
    pub credentials: AnthropicCredentials,
}

/// Outputs of `AnthropicMessagesBlock`.
#[derive(BlockOutput)]
pub enum AnthropicMessagesOutput {
    /// The answer: the text of every text block of Claude's reply, joined.
    Response(String),
    /// Why the answer ended: `end_turn`, `max_tokens`, `stop_sequence`, ...
    StopReason(String),
    /// Tokens used, as Anthropic counts them: `input_tokens`, `output_tokens`,
    /// and the cache counts when there are any.
    Usage(Value),
}

/// Asks an Anthropic Claude model one question and gives its answer, why it
/// ended, and the tokens it used.
#[block(id = "f187306a-e2c4-4426-b865-67ee76911a69", categories(Ai, Text), cost(run = 2, platform_only), tests = messages_cases)]
pub struct AnthropicMessagesBlock;

impl Run for AnthropicMessagesBlock {
    type Input = AnthropicMessagesInput;
    type Output = AnthropicMessagesOutput;

    async fn run(
        &self,
        input: AnthropicMessagesInput,
        ctx: &RunContext,
        out: &Emit<AnthropicMessagesOutput>,
    ) -> Result<(), BlockError> {
        let client = AnthropicClient::new(ctx.http(), input.credentials.api_key());
        let mut body = json!({
            "model": input.model,
            "max_tokens": input.max_tokens,
            "messages": [{"role": "user", "content": input.prompt}],
        });
        if !input.system_prompt.trim().is_empty() {
            body["system"] = json!(input.system_prompt);
        }
        if let Some(temperature) = input.temperature {
            body["temperature"] = json!(temperature);
        }
        let answer = client.post("/messages", &body).await?;
        let blocks =
            answer["content"].as_array().ok_or_else(|| BlockError::new("Anthropic's answer has no `content` list"))?;
        let text: String =
            blocks.iter().filter(|block| block["type"] == "text").filter_map(|block| block["text"].as_str()).collect();
        out.emit(AnthropicMessagesOutput::Response(text)).await?;
        out.emit(AnthropicMessagesOutput::StopReason(answer["stop_reason"].as_str().unwrap_or_default().to_owned()))
            .await?;
        let usage = match &answer["usage"] {
            Value::Object(usage) => Value::Object(usage.clone()),
            _ => json!({}),
        };
        out.emit(AnthropicMessagesOutput::Usage(usage)).await
    }
}

const URL: &str = "https://api.anthropic.com/v1/messages";

fn post(body: Value) -> Exchange {
    Exchange::post(URL)
        .header("x-api-key", "mock-anthropic-api-key")
        .header("anthropic-version", "2023-06-01")
        .header("content-type", "application/json")
        .json_body(body)
}

fn message(text: &[&str], stop_reason: &str) -> Value {
    json!({
        "id": "msg_012899dyMDyCX4FgMNNbao8k",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": text.iter().map(|t| json!({"type": "text", "text": t})).collect::<Vec<_>>(),
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": {"input_tokens": 10, "output_tokens": 30},
    })
}

fn error(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"})
}

fn messages_cases() -> Vec<TestCase<AnthropicMessagesBlock>> {
    let request = |prompt: &str| json!({"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": prompt}]});
    let usage = AnthropicMessagesOutput::Usage(json!({"input_tokens": 10, "output_tokens": 30}));
    vec![
        TestCase::new("answers a prompt with x-api-key and the API version", input("Hello, world"))
            .http(
                post(request("Hello, world"))
                    .respond_json(200, message(&["Hello! How can I assist you today?"], "end_turn")),
            )
            .outputs([
                AnthropicMessagesOutput::Response("Hello! How can I assist you today?".into()),
                AnthropicMessagesOutput::StopReason("end_turn".into()),
                AnthropicMessagesOutput::Usage(json!({"input_tokens": 10, "output_tokens": 30})),
            ]),
        TestCase::new(
            "sends the system prompt and temperature, and joins text blocks",
            AnthropicMessagesInput {
                system_prompt: "Be brief.".into(),
                temperature: Some(0.5),
                max_tokens: 20,
                ..input("Two words")
            },
        )
        .http(
            post(json!({
                "model": "claude-sonnet-4-5",
                "max_tokens": 20,
                "messages": [{"role": "user", "content": "Two words"}],
                "system": "Be brief.",
                "temperature": 0.5,
            }))
            .respond_json(200, message(&["Hello ", "there"], "max_tokens")),
        )
        .outputs([
            AnthropicMessagesOutput::Response("Hello there".into()),
            AnthropicMessagesOutput::StopReason("max_tokens".into()),
            usage,
        ]),
        TestCase::new("explains a refused key", input("Hi"))
            .http(post(request("Hi")).respond_json(401, error("authentication_error", "invalid x-api-key")))
            .error_containing("Anthropic refused the API key (401: invalid x-api-key)"),
        TestCase::new(
            "names the model Anthropic does not know",
            AnthropicMessagesInput { model: "claude-9".into(), ..input("Hi") },
        )
        .http(
            post(json!({"model": "claude-9", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hi"}]}))
                .respond_json(404, error("not_found_error", "model: claude-9")),
        )
        .error_containing("Anthropic found nothing at /messages (404: model: claude-9)"),
        TestCase::new("says until when the rate limit holds", input("Hi"))
            .http(
                post(request("Hi"))
                    .respond_json(
                        429,
                        error("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
                    )
                    .response_header("retry-after", "12")
                    .response_header("anthropic-ratelimit-requests-reset", "2024-07-15T16:25:11Z"),
            )
            .error_containing("Anthropic rate limited this key until 12 seconds from now"),
        TestCase::new("says when Anthropic is overloaded", input("Hi"))
            .http(post(request("Hi")).respond_json(529, error("overloaded_error", "Overloaded")))
            .error_containing("Anthropic is overloaded (529)"),
        TestCase::json("needs a prompt", json!({"prompt": "", "credentials": test_meta()})).invalid_input(["/prompt"]),
        TestCase::json(
            "the temperature stays within 0 to 1",
            json!({"prompt": "x", "temperature": 1.5, "credentials": test_meta()}),
        )
        .invalid_input(["/temperature"]),
    ]
}

fn input(prompt: &str) -> AnthropicMessagesInput {
    AnthropicMessagesInput {
        prompt: prompt.into(),
        system_prompt: String::new(),
        model: "claude-sonnet-4-5".into(),
        max_tokens: 1024,
        temperature: None,
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: AnthropicCredentials = Credentials::test();
    json!(credentials.meta())
}
