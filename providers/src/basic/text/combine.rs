//! Joins a list of texts into one.

use block_core::prelude::*;

/// Inputs of `CombineTextsBlock`.
#[derive(BlockInput)]
pub struct CombineTextsInput {
    /// The texts to join, in order.
    #[block_input(placeholder = r#"["Hello", "World"]"#)]
    pub input: Vec<String>,
    /// What to put between two texts.
    #[block_input(default = "")]
    pub delimiter: String,
}

/// Outputs of `CombineTextsBlock`.
#[derive(BlockOutput)]
pub enum CombineTextsOutput {
    /// The texts joined by the delimiter.
    Output(String),
}

/// Joins a list of texts into one, with a delimiter between each two.
#[block(id = "2284155d-7f5d-4d33-9f30-4a77e9590be6", categories(Text), tests = combine_texts_cases)]
pub struct CombineTextsBlock;

impl Run for CombineTextsBlock {
    type Input = CombineTextsInput;
    type Output = CombineTextsOutput;

    async fn run(
        &self,
        input: CombineTextsInput,
        _ctx: &RunContext,
        out: &Emit<CombineTextsOutput>,
    ) -> Result<(), BlockError> {
        out.emit(CombineTextsOutput::Output(input.input.join(&input.delimiter))).await
    }
}

fn combine_texts_cases() -> Vec<TestCase<CombineTextsBlock>> {
    vec![
        TestCase::json("joins without a delimiter by default", json!({"input": ["Hello world I like ", "cake"]}))
            .output(CombineTextsOutput::Output("Hello world I like cake".into())),
        TestCase::json("puts the delimiter between texts", json!({"input": ["a", "b", "c"], "delimiter": ", "}))
            .output(CombineTextsOutput::Output("a, b, c".into())),
        TestCase::json("an empty list joins to an empty text", json!({"input": [], "delimiter": "-"}))
            .output(CombineTextsOutput::Output(String::new())),
        TestCase::json("only texts can be joined", json!({"input": ["a", 1]})).invalid_input(["/input/1"]),
    ]
}
