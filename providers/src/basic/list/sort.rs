//! Sorts a list.

use block_core::prelude::*;

use super::order::compare;

/// Inputs of `ListSortBlock`.
#[derive(BlockInput)]
pub struct ListSortInput {
    /// The list to sort.
    pub list: Vec<Value>,
    /// For a list of objects: the member to sort by. Objects without it come
    /// first, as if it were `null`.
    #[block_input(placeholder = "name")]
    pub key: Option<String>,
    /// Largest first.
    #[block_input(default = false)]
    pub descending: bool,
}

/// Outputs of `ListSortBlock`.
#[derive(BlockOutput)]
pub enum ListSortOutput {
    /// The sorted list.
    Sorted(Vec<Value>),
}

/// Sorts a list: numbers by value, texts by code point, objects by one of their
/// members. Values of mixed types sort by type first (null, booleans, numbers,
/// texts, lists, objects). Equal items keep their order.
#[block(id = "4e36bb26-d8b1-4798-b5bf-f11d7ad617b8", categories(Basic), tests = list_sort_cases)]
pub struct ListSortBlock;

impl Run for ListSortBlock {
    type Input = ListSortInput;
    type Output = ListSortOutput;

    async fn run(&self, input: ListSortInput, _ctx: &RunContext, out: &Emit<ListSortOutput>) -> Result<(), BlockError> {
        let mut list = input.list;
        match &input.key {
            Some(key) => {
                if let Some(index) = list.iter().position(|item| !item.is_object()) {
                    return Err(BlockError::new(format!(
                        "input `key` sorts objects by a member, but item {index} of `list` is not an object"
                    )));
                }
                list.sort_by(|a, b| compare(a.get(key).unwrap_or(&Value::Null), b.get(key).unwrap_or(&Value::Null)));
            }
            None => list.sort_by(compare),
        }
        if input.descending {
            list.reverse();
        }
        out.emit(ListSortOutput::Sorted(list)).await
    }
}

fn list_sort_cases() -> Vec<TestCase<ListSortBlock>> {
    let sorted = |value: Value| ListSortOutput::Sorted(value.as_array().cloned().unwrap_or_default());
    vec![
        TestCase::json("sorts numbers by value", json!({"list": [10, 2, 33, -1, 2.5]}))
            .output(sorted(json!([-1, 2, 2.5, 10, 33]))),
        TestCase::json("sorts texts by code point", json!({"list": ["pear", "Apple", "apple"]}))
            .output(sorted(json!(["Apple", "apple", "pear"]))),
        TestCase::json("sorts largest first when descending", json!({"list": [1, 3, 2], "descending": true}))
            .output(sorted(json!([3, 2, 1]))),
        TestCase::json(
            "sorts objects by a member, missing ones first",
            json!({"list": [{"n": "b", "age": 3}, {"n": "a"}, {"n": "c", "age": 1}], "key": "age"}),
        )
        .output(sorted(json!([{"n": "a"}, {"n": "c", "age": 1}, {"n": "b", "age": 3}]))),
        TestCase::json("mixed types sort by type first", json!({"list": ["x", 1, null, true]}))
            .output(sorted(json!([null, true, 1, "x"]))),
        TestCase::json("a key needs a list of objects", json!({"list": [{"a": 1}, 2], "key": "a"}))
            .error_containing("item 1 of `list` is not an object"),
    ]
}
