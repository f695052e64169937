//! A block struct with fields is built with `Default`; its cases run.

use block_core::prelude::*;

/// Inputs of the counter block.
#[derive(BlockInput)]
pub struct CountInput {
    /// Where to start counting.
    #[block_input(default = 0)]
    pub from: i64,
    /// An optional label for every number.
    pub label: Option<String>,
}

#[derive(BlockOutput)]
pub enum CountOutput {
    /// One number.
    Number(i64),
    /// The label, when given.
    Label(String),
}

/// Counts a few numbers up from a start.
#[block(id = "0b8c9a8e-2d4f-4c3e-8a1b-9f6e5d4c3b2a", categories(Basic, Logic), tests = count_cases)]
#[derive(Debug)]
pub struct CountBlock {
    steps: i64,
}

impl Default for CountBlock {
    fn default() -> Self {
        CountBlock { steps: 3 }
    }
}

impl Run for CountBlock {
    type Input = CountInput;
    type Output = CountOutput;
    async fn run(&self, input: CountInput, _ctx: &RunContext, out: &Emit<CountOutput>) -> Result<(), BlockError> {
        if let Some(label) = input.label {
            if label.is_empty() {
                return Err(BlockError::new("the label is empty"));
            }
            out.emit(CountOutput::Label(label)).await?;
        }
        for number in input.from..input.from + self.steps {
            out.emit(CountOutput::Number(number)).await?;
        }
        Ok(())
    }
}

fn count_cases() -> Vec<TestCase<CountBlock>> {
    vec![
        TestCase::new("counts from a start", CountInput { from: 5, label: None }).outputs([
            CountOutput::Number(5),
            CountOutput::Number(6),
            CountOutput::Number(7),
        ]),
        TestCase::json("labels and starts at zero by default", json!({ "label": "n" })).outputs([
            CountOutput::Label("n".into()),
            CountOutput::Number(0),
            CountOutput::Number(1),
            CountOutput::Number(2),
        ]),
        TestCase::json("ignores an unknown field, here a typo of `from`", json!({ "form": 1 })).outputs([
            CountOutput::Number(0),
            CountOutput::Number(1),
            CountOutput::Number(2),
        ]),
        TestCase::json("fails on an empty label", json!({ "label": "" })).error_containing("label is empty"),
    ]
}

fn main() {
    let schema = (<CountBlock as Block>::DESCRIPTOR.input_schema)();
    assert_eq!(schema["required"], json!([]), "a default and an Option are both optional: {schema}");
    assert_eq!(block_core::testing::run_block_cases::<CountBlock>().map_err(|e| e.to_string()), Ok(4));
}
