//! `OpenAiStructuredOutputBlock`: an answer that follows a JSON schema, through
//! Structured Outputs (`response_format: {type: "json_schema", ...}`).

use block_core::prelude::*;
use serde_json::Map;

use super::api_mocks::{completion, error, post, usage as mock_usage};
use super::{chat_body, client, first_choice, usage};
use crate::openai::OpenAiCredentials;

/// Inputs of `OpenAiStructuredOutputBlock`.
#[derive(BlockInput)]
pub struct OpenAiStructuredOutputInput {
    /// What to ask the model.
    #[block_input(placeholder = "Extract the people mentioned in: ...", min_length = 1)]
    pub prompt: String,
    /// The JSON schema the answer must follow. With `strict` on, every object needs
    /// `additionalProperties: false` and every property listed in `required`.
    #[block_input(
        placeholder = r#"{"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"], "additionalProperties": false}"#
    )]
    pub schema: Map<String, Value>,
    /// A name for the schema: letters, digits, `_` and `-`, at most 64.
    #[block_input(default = "response", advanced, max_length = 64)]
    pub schema_name: String,
    /// Have the model follow the schema exactly (OpenAI's strict mode).
    #[block_input(default = true, advanced)]
    pub strict: bool,
    /// Instructions that frame the answer (the system message).
    #[block_input(default = "")]
    pub system_prompt: String,
    /// A model that supports Structured Outputs, e.g. `gpt-4o-mini`.
    #[block_input(default = "gpt-4o-mini", advanced = false)]
    pub model: String,
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

/// Outputs of `OpenAiStructuredOutputBlock`.
#[derive(BlockOutput)]
pub enum OpenAiStructuredOutputOutput {
    /// The answer, parsed: a value that follows the schema.
    Response(Value),
    /// Tokens used, as OpenAI counts them.
    Usage(Value),
}

/// Asks an OpenAI model a question whose answer must follow a JSON schema, and
/// gives the parsed answer and the tokens used. A refusal, or an answer cut short
/// before it is valid JSON, fails the run and says why.
#[block(id = "f7e4ce34-f782-42f0-9b0c-ebbfd8dd02fe", categories(Ai, Data), cost(run = 2, platform_only), tests = structured_cases)]
pub struct OpenAiStructuredOutputBlock;

impl Run for OpenAiStructuredOutputBlock {
    type Input = OpenAiStructuredOutputInput;
    type Output = OpenAiStructuredOutputOutput;

    async fn run(
        &self,
        input: OpenAiStructuredOutputInput,
        ctx: &RunContext,
        out: &Emit<OpenAiStructuredOutputOutput>,
    ) -> Result<(), BlockError> {
        if input.schema_name.is_empty()
            || !input.schema_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(BlockError::new("input `schema_name` may hold only letters, digits, `_` and `-`"));
        }
        let client = client(ctx, &input.credentials, input.base_url.as_deref())?;
        let mut body = chat_body(&client, &input.model, &input.system_prompt, &input.prompt, input.max_tokens, None);
        body["response_format"] = json!({
            "type": "json_schema",
            "json_schema": {"name": input.schema_name, "schema": input.schema, "strict": input.strict},
        });
        let answer = client.post("/chat/completions", &body).await?;
        let (text, finish_reason) = first_choice(&answer)?;
        let parsed: Value = serde_json::from_str(&text).map_err(|error| {
            let why = if finish_reason == "length" { " (the answer was cut at max_tokens)" } else { "" };
            BlockError::new(format!("the model's answer is not JSON{why}: {error}"))
        })?;
        out.emit(OpenAiStructuredOutputOutput::Response(parsed)).await?;
        out.emit(OpenAiStructuredOutputOutput::Usage(usage(&answer))).await
    }
}

const URL: &str = "https://api.openai.com/v1/chat/completions";

fn person_schema() -> Map<String, Value> {
    let schema = json!({
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": false,
    });
    schema.as_object().cloned().unwrap_or_default()
}

fn request(schema_name: &str, strict: bool) -> Value {
    json!({
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Ada Lovelace, 36"}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": schema_name, "schema": person_schema(), "strict": strict},
        },
    })
}

fn structured_cases() -> Vec<TestCase<OpenAiStructuredOutputBlock>> {
    vec![
        TestCase::new("sends the schema and parses the answer", input())
            .http(post(URL, request("response", true)).respond_json(200, completion(r#"{"name":"Ada Lovelace","age":36}"#, "stop")))
            .outputs([
                OpenAiStructuredOutputOutput::Response(json!({"name": "Ada Lovelace", "age": 36})),
                OpenAiStructuredOutputOutput::Usage(mock_usage()),
            ]),
        TestCase::new(
            "names the schema and turns strict mode off when asked",
            OpenAiStructuredOutputInput { schema_name: "person".into(), strict: false, ..input() },
        )
        .http(post(URL, request("person", false)).respond_json(200, completion(r#"{"name":"Ada","age":36}"#, "stop")))
        .outputs([
            OpenAiStructuredOutputOutput::Response(json!({"name": "Ada", "age": 36})),
            OpenAiStructuredOutputOutput::Usage(mock_usage()),
        ]),
        TestCase::new("an answer cut short says so", input())
            .http(post(URL, request("response", true)).respond_json(200, completion(r#"{"name":"Ada"#, "length")))
            .error_containing("the model's answer is not JSON (the answer was cut at max_tokens)"),
        TestCase::new("passes on what OpenAI found wrong with the schema", input())
            .http(post(URL, request("response", true)).respond_json(400, {
                let mut body = error("Invalid schema for response_format 'response': 'required' is required.", "invalid_request_error", "invalid_json_schema");
                body["error"]["param"] = json!("response_format");
                body
            }))
            .error_containing("OpenAI rejected the request (400: Invalid schema for response_format 'response': 'required' is required.); check parameter `response_format`"),
        TestCase::new(
            "refuses a schema name OpenAI would reject",
            OpenAiStructuredOutputInput { schema_name: "my schema".into(), ..input() },
        )
        .error_containing("input `schema_name` may hold only letters"),
    ]
}

fn input() -> OpenAiStructuredOutputInput {
    OpenAiStructuredOutputInput {
        prompt: "Ada Lovelace, 36".into(),
        schema: person_schema(),
        schema_name: "response".into(),
        strict: true,
        system_prompt: String::new(),
        model: "gpt-4o-mini".into(),
        max_tokens: None,
        base_url: None,
        credentials: Credentials::test(),
    }
}
