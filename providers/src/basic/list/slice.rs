//! Takes a part of a list.

use block_core::prelude::*;

use super::position;

/// Inputs of `ListSliceBlock`.
#[derive(BlockInput)]
pub struct ListSliceInput {
    /// The list.
    pub list: Vec<Value>,
    /// The first item taken (from 0); negative counts from the end.
    #[block_input(default = 0)]
    pub start: i64,
    /// The item where taking stops, not itself taken; negative counts from the
    /// end. Absent: to the end of the list.
    pub end: Option<i64>,
}

/// Outputs of `ListSliceBlock`.
#[derive(BlockOutput)]
pub enum ListSliceOutput {
    /// The items from `start` up to (not including) `end`.
    Slice(Vec<Value>),
}

/// Takes the items of a list between two positions, as Python's `list[start:end]`
/// does: negative positions count from the end, positions past the ends are
/// clamped, and a start after the end gives an empty list.
#[block(id = "ccfd2c86-a20d-459b-8d08-c8539b77fbd8", categories(Basic), tests = list_slice_cases)]
pub struct ListSliceBlock;

impl Run for ListSliceBlock {
    type Input = ListSliceInput;
    type Output = ListSliceOutput;

    async fn run(
        &self,
        input: ListSliceInput,
        _ctx: &RunContext,
        out: &Emit<ListSliceOutput>,
    ) -> Result<(), BlockError> {
        let mut list = input.list;
        let len = list.len();
        let start = position(input.start, len);
        let end = input.end.map_or(len, |end| position(end, len));
        let slice = if start < end { list.drain(start..end).collect() } else { Vec::new() };
        out.emit(ListSliceOutput::Slice(slice)).await
    }
}

fn list_slice_cases() -> Vec<TestCase<ListSliceBlock>> {
    let slice = |value: Value| ListSliceOutput::Slice(value.as_array().cloned().unwrap_or_default());
    vec![
        TestCase::json("takes from start to end", json!({"list": [0, 1, 2, 3, 4], "start": 1, "end": 3}))
            .output(slice(json!([1, 2]))),
        TestCase::json("runs to the end without an end", json!({"list": [0, 1, 2], "start": 1}))
            .output(slice(json!([1, 2]))),
        TestCase::json("negative positions count from the end", json!({"list": [0, 1, 2, 3], "start": -3, "end": -1}))
            .output(slice(json!([1, 2]))),
        TestCase::json("clamps positions past the ends", json!({"list": [0, 1], "start": -10, "end": 10}))
            .output(slice(json!([0, 1]))),
        TestCase::json("a start after the end is empty", json!({"list": [0, 1, 2], "start": 2, "end": 1}))
            .output(slice(json!([]))),
        TestCase::json("positions must be whole numbers", json!({"list": [1], "start": 0.5})).invalid_input(["/start"]),
    ]
}
