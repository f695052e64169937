//! Adds entries to a list.

use block_core::prelude::*;

use super::position;

/// Inputs of `AddToListBlock`.
#[derive(BlockInput)]
pub struct AddToListInput {
    /// The list to add to; a new list when absent.
    #[block_input(default = [])]
    pub list: Vec<Value>,
    /// One entry to add.
    pub entry: Option<Value>,
    /// Several entries to add, after `entry`.
    #[block_input(default = [])]
    pub entries: Vec<Value>,
    /// Where to insert: 0 is the front, -1 before the last item; past either end
    /// means that end. Absent: at the end.
    #[block_input(advanced)]
    pub position: Option<i64>,
}

/// Outputs of `AddToListBlock`.
#[derive(BlockOutput)]
pub enum AddToListOutput {
    /// The list with the entries added.
    UpdatedList(Vec<Value>),
}

/// Adds one entry, several entries, or both to a list, at the end or at a
/// position.
#[block(id = "8d4d2e35-3c70-412b-87ac-222c16791558", categories(Basic), tests = add_to_list_cases)]
pub struct AddToListBlock;

impl Run for AddToListBlock {
    type Input = AddToListInput;
    type Output = AddToListOutput;

    async fn run(
        &self,
        input: AddToListInput,
        _ctx: &RunContext,
        out: &Emit<AddToListOutput>,
    ) -> Result<(), BlockError> {
        let mut list = input.list;
        let added: Vec<Value> = input.entry.into_iter().chain(input.entries).collect();
        let at = input.position.map_or(list.len(), |index| position(index, list.len()));
        list.splice(at..at, added);
        out.emit(AddToListOutput::UpdatedList(list)).await
    }
}

fn add_to_list_cases() -> Vec<TestCase<AddToListBlock>> {
    let list = |value: Value| AddToListOutput::UpdatedList(value.as_array().cloned().unwrap_or_default());
    vec![
        TestCase::json("appends an entry", json!({"list": [1, 2], "entry": 3})).output(list(json!([1, 2, 3]))),
        TestCase::json("appends an entry then several", json!({"list": ["a"], "entry": "b", "entries": ["c", "d"]}))
            .output(list(json!(["a", "b", "c", "d"]))),
        TestCase::json("inserts at a position", json!({"list": [1, 3], "entry": 2, "position": 1}))
            .output(list(json!([1, 2, 3]))),
        TestCase::json("a negative position counts from the end", json!({"list": [1, 3], "entry": 2, "position": -1}))
            .output(list(json!([1, 2, 3]))),
        TestCase::json("a position past the end appends", json!({"list": [1], "entries": [2, 3], "position": 99}))
            .output(list(json!([1, 2, 3]))),
        TestCase::json("starts a new list", json!({"entry": {"k": "v"}})).output(list(json!([{"k": "v"}]))),
        TestCase::json("a null entry adds nothing", json!({"list": [1], "entry": null})).output(list(json!([1]))),
        TestCase::json("the list must be a list", json!({"list": {"a": 1}, "entry": 1})).invalid_input(["/list"]),
    ]
}
