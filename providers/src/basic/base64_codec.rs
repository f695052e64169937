//! Encodes text as base64 and decodes it back.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use block_core::prelude::*;

/// What `Base64Block` does.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base64Operation {
    /// Text to base64.
    Encode,
    /// Base64 to text.
    Decode,
}

/// Inputs of `Base64Block`.
#[derive(BlockInput)]
pub struct Base64Input {
    /// The text to encode, or the base64 to decode.
    pub text: String,
    /// Encode or decode.
    #[block_input(default = "encode", advanced = false)]
    pub operation: Base64Operation,
    /// Use the URL-safe alphabet (`-` and `_` instead of `+` and `/`) and leave the
    /// `=` padding out when encoding.
    #[block_input(default = false)]
    pub url_safe: bool,
}

/// Outputs of `Base64Block`.
#[derive(BlockOutput)]
pub enum Base64Output {
    /// The encoded or decoded text.
    Output(String),
}

/// Encodes a text (as UTF-8) in base64, or decodes base64 back to text, with the
/// standard or the URL-safe alphabet. Decoding accepts padding or none, and
/// ignores white space such as line breaks.
#[block(id = "2e2af03d-b564-4cda-8179-55409aec8862", categories(Basic, Text), tests = base64_cases)]
pub struct Base64Block;

impl Run for Base64Block {
    type Input = Base64Input;
    type Output = Base64Output;

    async fn run(&self, input: Base64Input, _ctx: &RunContext, out: &Emit<Base64Output>) -> Result<(), BlockError> {
        let alphabet = if input.url_safe { &alphabet::URL_SAFE } else { &alphabet::STANDARD };
        let config = GeneralPurposeConfig::new()
            .with_encode_padding(!input.url_safe)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent);
        let engine = GeneralPurpose::new(alphabet, config);
        let output = match input.operation {
            Base64Operation::Encode => engine.encode(input.text.as_bytes()),
            Base64Operation::Decode => {
                let compact: String = input.text.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = engine.decode(compact.as_bytes()).map_err(|error| {
                    let hint = if input.url_safe { "" } else { " (set `url_safe` for `-` and `_`)" };
                    BlockError::new(format!("input `text` is not base64: {error}{hint}"))
                })?;
                String::from_utf8(bytes).map_err(|_| {
                    BlockError::new("the decoded bytes are not UTF-8 text; this block only decodes text")
                })?
            }
        };
        out.emit(Base64Output::Output(output)).await
    }
}

fn base64_cases() -> Vec<TestCase<Base64Block>> {
    let output = |text: &str| Base64Output::Output(text.into());
    vec![
        TestCase::json("encodes text", json!({"text": "Hello, World!"})).output(output("SGVsbG8sIFdvcmxkIQ==")),
        TestCase::json("decodes text", json!({"text": "SGVsbG8sIFdvcmxkIQ==", "operation": "decode"}))
            .output(output("Hello, World!")),
        TestCase::json("encodes UTF-8", json!({"text": "héllo"})).output(output("aMOpbGxv")),
        TestCase::json("encodes URL-safe without padding", json!({"text": "??>", "url_safe": true}))
            .output(output("Pz8-")),
        TestCase::json(
            "decodes without padding and across line breaks",
            json!({"text": "SGVsbG8s\nIFdvcmxkIQ", "operation": "decode"}),
        )
        .output(output("Hello, World!")),
        TestCase::json("says when the text is not base64", json!({"text": "Pz8-", "operation": "decode"}))
            .error_containing("input `text` is not base64"),
        TestCase::json("refuses bytes that are not text", json!({"text": "/w==", "operation": "decode"}))
            .error_containing("the decoded bytes are not UTF-8 text"),
    ]
}
