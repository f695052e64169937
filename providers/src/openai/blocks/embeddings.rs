//! `OpenAiEmbeddingsBlock`: vectors for texts, through `POST /v1/embeddings`.

use block_core::prelude::*;

use super::api_mocks::{error, post};
use super::{client, usage};
use crate::openai::OpenAiCredentials;

/// Inputs of `OpenAiEmbeddingsBlock`.
#[derive(BlockInput)]
pub struct OpenAiEmbeddingsInput {
    /// The texts to embed, in one request (at most 2048).
    #[block_input(min_items = 1, max_items = 2048)]
    pub texts: Vec<String>,
    /// The embedding model.
    #[block_input(default = "text-embedding-3-small", advanced = false)]
    pub model: String,
    /// Shorter vectors (models `text-embedding-3-*` only); the model's full size
    /// when absent.
    #[block_input(min = 1, advanced)]
    pub dimensions: Option<u32>,
    /// An OpenAI-compatible server to use instead of OpenAI (`https://host/v1`).
    /// It must be a public address; it never receives the platform's key.
    #[block_input(placeholder = "https://api.openai.com/v1", advanced)]
    pub base_url: Option<String>,
    /// An OpenAI API key (or the compatible server's key).
    pub credentials: OpenAiCredentials,
}

/// Outputs of `OpenAiEmbeddingsBlock`.
#[derive(BlockOutput)]
pub enum OpenAiEmbeddingsOutput {
    /// One vector per text, in the order of `texts`.
    Embeddings(Vec<Vec<f64>>),
    /// Tokens used, as OpenAI counts them: `prompt_tokens` and `total_tokens`.
    Usage(Value),
}

/// Turns texts into embedding vectors with an OpenAI embedding model (or a
/// compatible server), in the order given, and reports the tokens used.
#[block(id = "cc100dff-6629-4f6a-837a-dc380314d9c4", categories(Ai, Data), cost(run = 1, platform_only), tests = embeddings_cases)]
pub struct OpenAiEmbeddingsBlock;

impl Run for OpenAiEmbeddingsBlock {
    type Input = OpenAiEmbeddingsInput;
    type Output = OpenAiEmbeddingsOutput;

    async fn run(
        &self,
        input: OpenAiEmbeddingsInput,
        ctx: &RunContext,
        out: &Emit<OpenAiEmbeddingsOutput>,
    ) -> Result<(), BlockError> {
        let client = client(ctx, &input.credentials, input.base_url.as_deref())?;
        let mut body = json!({"model": input.model, "input": input.texts, "encoding_format": "float"});
        if let Some(dimensions) = input.dimensions {
            body["dimensions"] = json!(dimensions);
        }
        let answer = client.post("/embeddings", &body).await?;
        let vectors = read_vectors(&answer, input.texts.len())?;
        out.emit(OpenAiEmbeddingsOutput::Embeddings(vectors)).await?;
        out.emit(OpenAiEmbeddingsOutput::Usage(usage(&answer))).await
    }
}

/// The vectors of `data`, put in input order by each item's `index`; exactly one
/// per text.
fn read_vectors(answer: &Value, expected: usize) -> Result<Vec<Vec<f64>>, BlockError> {
    let data = answer["data"].as_array().ok_or_else(|| BlockError::new("OpenAI's answer has no `data` list"))?;
    let mut vectors: Vec<Option<Vec<f64>>> = vec![None; expected];
    for item in data {
        let index = item["index"].as_u64().and_then(|i| usize::try_from(i).ok()).filter(|&i| i < expected);
        let vector: Option<Vec<f64>> =
            item["embedding"].as_array().map(|numbers| numbers.iter().filter_map(Value::as_f64).collect());
        match (index, vector) {
            (Some(index), Some(vector)) => vectors[index] = Some(vector),
            _ => return Err(BlockError::new("OpenAI's answer has an embedding without a valid `index` or vector")),
        }
    }
    vectors
        .into_iter()
        .enumerate()
        .map(|(index, vector)| {
            vector.ok_or_else(|| BlockError::new(format!("OpenAI's answer has no embedding for text {index}")))
        })
        .collect()
}

const URL: &str = "https://api.openai.com/v1/embeddings";

fn embeddings_cases() -> Vec<TestCase<OpenAiEmbeddingsBlock>> {
    let answer = json!({
        "object": "list",
        "data": [
            {"object": "embedding", "index": 1, "embedding": [0.5, -0.25]},
            {"object": "embedding", "index": 0, "embedding": [0.0023064255, -0.009327292]},
        ],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 8, "total_tokens": 8},
    });
    vec![
        TestCase::new("embeds texts and keeps their order", input(&["first", "second"], None))
            .http(post(URL, json!({"model": "text-embedding-3-small", "input": ["first", "second"], "encoding_format": "float"}))
                .respond_json(200, answer.clone()))
            .outputs([
                OpenAiEmbeddingsOutput::Embeddings(vec![vec![0.0023064255, -0.009327292], vec![0.5, -0.25]]),
                OpenAiEmbeddingsOutput::Usage(json!({"prompt_tokens": 8, "total_tokens": 8})),
            ]),
        TestCase::new("asks for shorter vectors", input(&["x"], Some(2)))
            .http(post(URL, json!({"model": "text-embedding-3-small", "input": ["x"], "encoding_format": "float", "dimensions": 2}))
                .respond_json(200, json!({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [1.0, 0.0]}],
                                          "model": "text-embedding-3-small", "usage": {"prompt_tokens": 1, "total_tokens": 1}})))
            .outputs([
                OpenAiEmbeddingsOutput::Embeddings(vec![vec![1.0, 0.0]]),
                OpenAiEmbeddingsOutput::Usage(json!({"prompt_tokens": 1, "total_tokens": 1})),
            ]),
        TestCase::new("an answer missing a text's vector says which", input(&["a", "b"], None))
            .http(post(URL, json!({"model": "text-embedding-3-small", "input": ["a", "b"], "encoding_format": "float"}))
                .respond_json(200, json!({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [1.0]}],
                                          "usage": {"prompt_tokens": 2, "total_tokens": 2}})))
            .error_containing("no embedding for text 1"),
        TestCase::new("explains a refused key", input(&["x"], None))
            .http(post(URL, json!({"model": "text-embedding-3-small", "input": ["x"], "encoding_format": "float"}))
                .respond_json(401, error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key")))
            .error_containing("OpenAI refused the API key (401"),
        TestCase::json("needs at least one text", json!({"texts": [], "credentials": test_meta()})).invalid_input(["/texts"]),
    ]
}

fn input(texts: &[&str], dimensions: Option<u32>) -> OpenAiEmbeddingsInput {
    OpenAiEmbeddingsInput {
        texts: texts.iter().map(|&t| t.to_owned()).collect(),
        model: "text-embedding-3-small".into(),
        dimensions,
        base_url: None,
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: OpenAiCredentials = Credentials::test();
    json!(credentials.meta())
}
