//! Removes repeated items from a list.

use std::collections::HashSet;

use block_core::prelude::*;

use super::order::canonical;

/// Inputs of `ListUniqueBlock`.
#[derive(BlockInput)]
pub struct ListUniqueInput {
    /// The list.
    pub list: Vec<Value>,
}

/// Outputs of `ListUniqueBlock`.
#[derive(BlockOutput)]
pub enum ListUniqueOutput {
    /// Each distinct item once, where it first appeared.
    Unique(Vec<Value>),
    /// How many repeated items were removed.
    Removed(u64),
}

/// Keeps the first occurrence of each distinct item of a list, in order. Objects
/// with the same members are the same item, whatever the members' order; `1` and
/// `1.0` are different items.
#[block(id = "69fee2c7-9760-48d6-a684-5831a7d20737", categories(Basic), tests = list_unique_cases)]
pub struct ListUniqueBlock;

impl Run for ListUniqueBlock {
    type Input = ListUniqueInput;
    type Output = ListUniqueOutput;

    async fn run(
        &self,
        input: ListUniqueInput,
        _ctx: &RunContext,
        out: &Emit<ListUniqueOutput>,
    ) -> Result<(), BlockError> {
        let total = input.list.len();
        let mut seen = HashSet::with_capacity(total);
        let unique: Vec<Value> = input.list.into_iter().filter(|item| seen.insert(canonical(item))).collect();
        let removed = (total - unique.len()) as u64;
        out.emit(ListUniqueOutput::Unique(unique)).await?;
        out.emit(ListUniqueOutput::Removed(removed)).await
    }
}

fn list_unique_cases() -> Vec<TestCase<ListUniqueBlock>> {
    let unique = |value: Value| ListUniqueOutput::Unique(value.as_array().cloned().unwrap_or_default());
    vec![
        TestCase::json("keeps first occurrences in order", json!({"list": ["b", "a", "b", "c", "a"]}))
            .outputs([unique(json!(["b", "a", "c"])), ListUniqueOutput::Removed(2)]),
        TestCase::json(
            "objects with the same members are one item",
            json!({"list": [{"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": 2}]}),
        )
        .outputs([unique(json!([{"a": 1, "b": 2}, {"a": 2}])), ListUniqueOutput::Removed(1)]),
        TestCase::json("a number and its text differ", json!({"list": [1, "1", 1]}))
            .outputs([unique(json!([1, "1"])), ListUniqueOutput::Removed(1)]),
        TestCase::json("an empty list stays empty", json!({"list": []}))
            .outputs([unique(json!([])), ListUniqueOutput::Removed(0)]),
    ]
}
