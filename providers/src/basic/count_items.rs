//! Counts the items of a list, the keys of an object or the characters of a text.

use block_core::prelude::*;

/// Inputs of `CountItemsBlock`.
#[derive(BlockInput)]
pub struct CountItemsInput {
    /// A list (counts its items), an object (its keys) or a string (its characters).
    #[block_input(placeholder = "[1, 2, 3]")]
    pub collection: Value,
}

/// Outputs of `CountItemsBlock`.
#[derive(BlockOutput)]
pub enum CountItemsOutput {
    /// How many items, keys or characters there are.
    Count(u64),
}

/// Counts the items of a list, the keys of an object or the characters (Unicode
/// code points) of a string. Other values fail the run.
#[block(id = "1fc4cfc2-f95b-4749-8d11-965c7a31953a", categories(Basic, Data), tests = count_items_cases)]
pub struct CountItemsBlock;

impl Run for CountItemsBlock {
    type Input = CountItemsInput;
    type Output = CountItemsOutput;

    async fn run(
        &self,
        input: CountItemsInput,
        _ctx: &RunContext,
        out: &Emit<CountItemsOutput>,
    ) -> Result<(), BlockError> {
        let count = match &input.collection {
            Value::Array(items) => items.len(),
            Value::Object(map) => map.len(),
            Value::String(text) => text.chars().count(),
            Value::Null => return Err(BlockError::new("cannot count null; give a list, an object or a string")),
            other => {
                return Err(BlockError::new(format!(
                    "cannot count {other}: it is a single value; give a list, an object or a string"
                )));
            }
        };
        out.emit(CountItemsOutput::Count(u64::try_from(count).unwrap_or(u64::MAX))).await
    }
}

fn count_items_cases() -> Vec<TestCase<CountItemsBlock>> {
    let count = |name: &str, collection: Value| TestCase::new(name, CountItemsInput { collection });
    vec![
        count("counts list items", json!([1, [2, 3], null])).output(CountItemsOutput::Count(3)),
        count("counts object keys", json!({"a": 1, "b": 2})).output(CountItemsOutput::Count(2)),
        count("counts characters, not bytes", json!("héllo")).output(CountItemsOutput::Count(5)),
        count("an empty list has zero items", json!([])).output(CountItemsOutput::Count(0)),
        count("a number cannot be counted", json!(12)).error_containing("cannot count 12"),
        count("null cannot be counted", Value::Null).error_containing("cannot count null"),
        TestCase::json("the collection is required", json!({})).invalid_input([""]),
    ]
}
