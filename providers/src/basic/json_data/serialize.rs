//! Writes a value as JSON text.

use block_core::prelude::*;

/// Inputs of `JsonSerializeBlock`.
#[derive(BlockInput)]
pub struct JsonSerializeInput {
    /// The value to write.
    pub value: Value,
    /// Indent with two spaces and put each member on its own line.
    #[block_input(default = false)]
    pub pretty: bool,
}

/// Outputs of `JsonSerializeBlock`.
#[derive(BlockOutput)]
pub enum JsonSerializeOutput {
    /// The JSON text.
    Text(String),
}

/// Writes any value as JSON text, compact or indented. Object members keep their
/// order.
#[block(id = "014019fb-1172-4b4f-bda7-24d85dd33c95", categories(Data), tests = json_serialize_cases)]
pub struct JsonSerializeBlock;

impl Run for JsonSerializeBlock {
    type Input = JsonSerializeInput;
    type Output = JsonSerializeOutput;

    async fn run(
        &self,
        input: JsonSerializeInput,
        _ctx: &RunContext,
        out: &Emit<JsonSerializeOutput>,
    ) -> Result<(), BlockError> {
        let text = if input.pretty { serde_json::to_string_pretty(&input.value)? } else { input.value.to_string() };
        out.emit(JsonSerializeOutput::Text(text)).await
    }
}

fn json_serialize_cases() -> Vec<TestCase<JsonSerializeBlock>> {
    vec![
        TestCase::json("writes compact JSON in member order", json!({"value": {"b": 1, "a": [true, null]}}))
            .output(JsonSerializeOutput::Text(r#"{"b":1,"a":[true,null]}"#.into())),
        TestCase::json("indents when asked", json!({"value": {"a": [1]}, "pretty": true}))
            .output(JsonSerializeOutput::Text("{\n  \"a\": [\n    1\n  ]\n}".into())),
        TestCase::json("escapes strings", json!({"value": "say \"hi\"\n"}))
            .output(JsonSerializeOutput::Text(r#""say \"hi\"\n""#.into())),
        TestCase::json("the value is required", json!({"pretty": true})).invalid_input([""]),
    ]
}
