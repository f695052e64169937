//! Holds a value so later steps can read it again.

use block_core::prelude::*;

/// Inputs of `StoreValueBlock`.
#[derive(BlockInput)]
pub struct StoreValueInput {
    /// Triggers the output; it is also the value stored when `data` is absent.
    pub input: Value,
    /// The value to store instead of `input`; lets `input` act as a plain trigger.
    #[block_input(advanced)]
    pub data: Option<Value>,
}

/// Outputs of `StoreValueBlock`.
#[derive(BlockOutput)]
pub enum StoreValueOutput {
    /// The stored value: `data` when given, `input` otherwise.
    Output(Value),
}

/// Forwards a constant value each time it is triggered: `data` if given, else `input`.
/// Its output stays valid between runs, so it can feed many later steps.
#[block(id = "06b8ef9b-5319-4fac-ab6f-b154d8482f3e", categories(Basic), static_output, tests = store_value_cases)]
pub struct StoreValueBlock;

impl Run for StoreValueBlock {
    type Input = StoreValueInput;
    type Output = StoreValueOutput;

    async fn run(
        &self,
        input: StoreValueInput,
        _ctx: &RunContext,
        out: &Emit<StoreValueOutput>,
    ) -> Result<(), BlockError> {
        out.emit(StoreValueOutput::Output(input.data.unwrap_or(input.input))).await
    }
}

fn store_value_cases() -> Vec<TestCase<StoreValueBlock>> {
    vec![
        TestCase::new(
            "forwards the input when no data is given",
            StoreValueInput { input: json!("hello"), data: None },
        )
        .output(StoreValueOutput::Output(json!("hello"))),
        TestCase::new(
            "stores the data instead of the input when given",
            StoreValueInput { input: json!("trigger"), data: Some(json!({"kept": [1, 2, 3]})) },
        )
        .output(StoreValueOutput::Output(json!({"kept": [1, 2, 3]}))),
        TestCase::json("an explicit null data counts as absent", json!({"input": 42, "data": null}))
            .output(StoreValueOutput::Output(json!(42))),
        TestCase::json("a null input is a value like any other", json!({"input": null}))
            .output(StoreValueOutput::Output(Value::Null)),
        TestCase::json("the input is required", json!({"data": 1})).invalid_input([""]),
        TestCase::json("unknown fields are ignored, as the reference ignores them", json!({"input": 1, "extra": true}))
            .output(StoreValueOutput::Output(json!(1))),
    ]
}
