//! `OpenAiChatBlock`: one prompt, one text answer, through the Chat Completions API
//! (`POST /v1/chat/completions`).

use block_core::prelude::*;

use super::api_mocks::{completion, error, post, usage as mock_usage};
use super::{chat_body, client, first_choice, usage};
use crate::openai::OpenAiCredentials;

/// Inputs of `OpenAiChatBlock`.
#[derive(BlockInput)]
pub struct OpenAiChatInput {
    /// What to ask the model.
    #[block_input(placeholder = "Summarise this text: ...", min_length = 1)]
    pub prompt: String,
    /// Instructions that frame every answer (the system message).
    #[block_input(default = "")]
    pub system_prompt: String,
    /// The model, e.g. `gpt-4o-mini`, `gpt-4.1`, or a compatible server's name.
    #[block_input(default = "gpt-4o-mini", advanced = false)]
    pub model: String,
    /// Sampling temperature from 0 (focused) to 2 (varied); the model's default
    /// when absent.
    #[block_input(min = 0, max = 2, advanced)]
    pub temperature: Option<f64>,
    /// The most tokens the answer may take.
    #[block_input(min = 1, advanced)]
    pub max_tokens: Option<u32>,
    /// An OpenAI-compatible server to use instead of OpenAI (`https://host/v1`).
    /// It must be a public address; it never receives the platform's key.
    #[block_input(placeholder = "https://api.openai.com/v1", advanced)]
    pub base_url: Option<String>,
    /// An OpenAI API key (or the compatible server's key).
    pub credentials: OpenAiCredentials,
}

/// Outputs of `OpenAiChatBlock`.
#[derive(BlockOutput)]
pub enum OpenAiChatOutput {
    /// The model's answer.
    Response(String),
    /// Why the answer ended: `stop` (complete) or `length` (cut at `max_tokens`).
    FinishReason(String),
    /// Tokens used, as OpenAI counts them: `prompt_tokens`, `completion_tokens`,
    /// `total_tokens` and their details.
    Usage(Value),
}

/// Asks an OpenAI chat model (or an OpenAI-compatible server) one question and
/// gives its text answer, why it ended, and the tokens it used.
#[block(id = "b4b79931-f469-4e0f-bfcc-ceac27fb4574", categories(Ai, Text), cost(run = 2, platform_only), tests = chat_cases)]
pub struct OpenAiChatBlock;

impl Run for OpenAiChatBlock {
    type Input = OpenAiChatInput;
    type Output = OpenAiChatOutput;

    async fn run(
        &self,
        input: OpenAiChatInput,
        ctx: &RunContext,
        out: &Emit<OpenAiChatOutput>,
    ) -> Result<(), BlockError> {
        let client = client(ctx, &input.credentials, input.base_url.as_deref())?;
        let body =
            chat_body(&client, &input.model, &input.system_prompt, &input.prompt, input.max_tokens, input.temperature);
        let answer = client.post("/chat/completions", &body).await?;
        let (text, finish_reason) = first_choice(&answer)?;
        out.emit(OpenAiChatOutput::Response(text)).await?;
        out.emit(OpenAiChatOutput::FinishReason(finish_reason)).await?;
        out.emit(OpenAiChatOutput::Usage(usage(&answer))).await
    }
}

const URL: &str = "https://api.openai.com/v1/chat/completions";

fn chat_cases() -> Vec<TestCase<OpenAiChatBlock>> {
    let user = |prompt: &str| json!({"role": "user", "content": prompt});
    vec![
        TestCase::new("answers a prompt with the default model", input("Say hello"))
            .http(
                post(URL, json!({"model": "gpt-4o-mini", "messages": [user("Say hello")]}))
                    .respond_json(200, completion("Hello! How can I assist you today?", "stop")),
            )
            .outputs([
                OpenAiChatOutput::Response("Hello! How can I assist you today?".into()),
                OpenAiChatOutput::FinishReason("stop".into()),
                OpenAiChatOutput::Usage(mock_usage()),
            ]),
        TestCase::new(
            "sends the system prompt, temperature and token limit",
            OpenAiChatInput {
                system_prompt: "Answer in French.".into(),
                model: "gpt-4.1".into(),
                temperature: Some(0.2),
                max_tokens: Some(5),
                ..input("Say hello")
            },
        )
        .http(
            post(
                URL,
                json!({
                    "model": "gpt-4.1",
                    "messages": [{"role": "system", "content": "Answer in French."}, user("Say hello")],
                    "max_completion_tokens": 5,
                    "temperature": 0.2,
                }),
            )
            .respond_json(200, completion("Bonjour", "length")),
        )
        .outputs([
            OpenAiChatOutput::Response("Bonjour".into()),
            OpenAiChatOutput::FinishReason("length".into()),
            OpenAiChatOutput::Usage(mock_usage()),
        ]),
        TestCase::new(
            "talks to a compatible server at base_url, with its older token limit name",
            OpenAiChatInput {
                base_url: Some("https://llm.example.com/v1/".into()),
                model: "llama3".into(),
                max_tokens: Some(50),
                ..input("Hi")
            },
        )
        .http(
            post(
                "https://llm.example.com/v1/chat/completions",
                json!({"model": "llama3", "messages": [user("Hi")], "max_tokens": 50}),
            )
            .respond_json(200, completion("Hello", "stop")),
        )
        .outputs([
            OpenAiChatOutput::Response("Hello".into()),
            OpenAiChatOutput::FinishReason("stop".into()),
            OpenAiChatOutput::Usage(mock_usage()),
        ]),
        TestCase::new(
            "a base_url on a private address is refused by the SSRF guard",
            OpenAiChatInput { base_url: Some("http://169.254.169.254/v1".into()), ..input("Hi") },
        )
        .error_containing("was blocked"),
        TestCase::new(
            "a base_url that is not http is refused",
            OpenAiChatInput { base_url: Some("file:///etc/passwd".into()), ..input("Hi") },
        )
        .error_containing("input `base_url`: only http and https URLs"),
        TestCase::new("explains a refused key", input("Hi"))
            .http(post(URL, json!({"model": "gpt-4o-mini", "messages": [user("Hi")]})).respond_json(
                401,
                error("Incorrect API key provided: mock-ope*******-key.", "invalid_request_error", "invalid_api_key"),
            ))
            .error_containing("OpenAI refused the API key (401: Incorrect API key provided"),
        TestCase::new("names the model OpenAI does not know", OpenAiChatInput { model: "gpt-9".into(), ..input("Hi") })
            .http(post(URL, json!({"model": "gpt-9", "messages": [user("Hi")]})).respond_json(
                404,
                error(
                    "The model `gpt-9` does not exist or you do not have access to it.",
                    "invalid_request_error",
                    "model_not_found",
                ),
            ))
            .error_containing("OpenAI found nothing at /chat/completions (404: The model `gpt-9` does not exist"),
        TestCase::new("says until when the rate limit holds", input("Hi"))
            .http(
                post(URL, json!({"model": "gpt-4o-mini", "messages": [user("Hi")]}))
                    .respond_json(
                        429,
                        error(
                            "Rate limit reached for gpt-4o-mini on requests per min (RPM).",
                            "requests",
                            "rate_limit_exceeded",
                        ),
                    )
                    .response_header("x-ratelimit-reset-requests", "20s"),
            )
            .error_containing("OpenAI rate limited this key until 20s from now (requests)"),
        TestCase::new("tells a used-up quota from a rate limit", input("Hi"))
            .http(post(URL, json!({"model": "gpt-4o-mini", "messages": [user("Hi")]})).respond_json(
                429,
                error(
                    "You exceeded your current quota, please check your plan and billing details.",
                    "insufficient_quota",
                    "insufficient_quota",
                ),
            ))
            .error_containing("OpenAI says the account has no quota left"),
        TestCase::new("reports a refusal as an error", input("Hi"))
            .http(post(URL, json!({"model": "gpt-4o-mini", "messages": [user("Hi")]})).respond_json(200, {
                let mut answer = completion("", "stop");
                answer["choices"][0]["message"]["content"] = Value::Null;
                answer["choices"][0]["message"]["refusal"] = json!("I can't help with that.");
                answer
            }))
            .error_containing("the model refused to answer: I can't help with that."),
        TestCase::json("needs a prompt", json!({"prompt": "", "credentials": test_meta()})).invalid_input(["/prompt"]),
        TestCase::json(
            "the temperature stays within 0 to 2",
            json!({"prompt": "x", "temperature": 3, "credentials": test_meta()}),
        )
        .invalid_input(["/temperature"]),
    ]
}

fn input(prompt: &str) -> OpenAiChatInput {
    OpenAiChatInput {
        prompt: prompt.into(),
        system_prompt: String::new(),
        model: "gpt-4o-mini".into(),
        temperature: None,
        max_tokens: None,
        base_url: None,
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: OpenAiCredentials = Credentials::test();
    json!(credentials.meta())
}
