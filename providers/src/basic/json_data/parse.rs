//! Reads JSON text into a value.

use block_core::prelude::*;

/// Inputs of `JsonParseBlock`.
#[derive(BlockInput)]
pub struct JsonParseInput {
    /// The JSON text, e.g. an API's answer read as text.
    #[block_input(placeholder = r#"{"name": "Ada"}"#)]
    pub text: String,
}

/// Outputs of `JsonParseBlock`.
#[derive(BlockOutput)]
pub enum JsonParseOutput {
    /// The value the text describes.
    Value(Value),
}

/// Parses JSON text into a value. Text that is not JSON fails the run, saying at
/// which line and column.
#[block(id = "e9d4545d-e9a2-45b5-8bbf-82a1963277f1", categories(Data), tests = json_parse_cases)]
pub struct JsonParseBlock;

impl Run for JsonParseBlock {
    type Input = JsonParseInput;
    type Output = JsonParseOutput;

    async fn run(
        &self,
        input: JsonParseInput,
        _ctx: &RunContext,
        out: &Emit<JsonParseOutput>,
    ) -> Result<(), BlockError> {
        let value = serde_json::from_str(&input.text)
            .map_err(|error| BlockError::new(format!("input `text` is not JSON: {error}")))?;
        out.emit(JsonParseOutput::Value(value)).await
    }
}

fn json_parse_cases() -> Vec<TestCase<JsonParseBlock>> {
    vec![
        TestCase::json("parses an object", json!({"text": r#"{"name": "Ada", "tags": [1, 2]}"#}))
            .output(JsonParseOutput::Value(json!({"name": "Ada", "tags": [1, 2]}))),
        TestCase::json("parses a bare number", json!({"text": " 42 "})).output(JsonParseOutput::Value(json!(42))),
        TestCase::json("parses a quoted string", json!({"text": r#""hi""#}))
            .output(JsonParseOutput::Value(json!("hi"))),
        TestCase::json("says where the text stops being JSON", json!({"text": "{\n  \"a\": 1,\n}"}))
            .error_containing("input `text` is not JSON: trailing comma at line 3 column 1"),
        TestCase::json("an empty text is not JSON", json!({"text": ""})).error_containing("input `text` is not JSON"),
    ]
}
