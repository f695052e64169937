//! Looks a key up in a dictionary (or an index in a list).

use block_core::prelude::*;

/// Inputs of `FindInDictionaryBlock`.
#[derive(BlockInput)]
pub struct FindInDictionaryInput {
    /// Where to look: an object, a list, or a list of objects.
    pub input: Value,
    /// The key of an object; for a list, a position (from 0, negative from the
    /// end), or for a list of objects, the key to read from each of them.
    #[block_input(placeholder = "name")]
    pub key: String,
}

/// Outputs of `FindInDictionaryBlock`.
#[derive(BlockOutput)]
pub enum FindInDictionaryOutput {
    /// The value found: the object's member, the list's item, or the list of the
    /// values the objects of a list have under the key.
    Output(Value),
    /// The input, when the key is not there.
    Missing(Value),
}

/// Looks a key up: an object's member, a list's item by position, or the members of
/// every object in a list. A key that is not there sends the input to `missing`.
#[block(id = "9a376420-3f5c-475a-8e35-9874c6e49e32", categories(Basic), tests = find_cases)]
pub struct FindInDictionaryBlock;

impl Run for FindInDictionaryBlock {
    type Input = FindInDictionaryInput;
    type Output = FindInDictionaryOutput;

    async fn run(
        &self,
        input: FindInDictionaryInput,
        _ctx: &RunContext,
        out: &Emit<FindInDictionaryOutput>,
    ) -> Result<(), BlockError> {
        match find(&input.input, &input.key) {
            Some(found) => out.emit(FindInDictionaryOutput::Output(found)).await,
            None => out.emit(FindInDictionaryOutput::Missing(input.input)).await,
        }
    }
}

fn find(input: &Value, key: &str) -> Option<Value> {
    match input {
        Value::Object(members) => members.get(key).cloned(),
        Value::Array(items) => {
            if let Ok(index) = key.trim().parse::<i64>() {
                let len = i64::try_from(items.len()).ok()?;
                let resolved = if index < 0 { len + index } else { index };
                return usize::try_from(resolved).ok().and_then(|at| items.get(at)).cloned();
            }
            let values: Vec<Value> = items.iter().filter_map(|item| item.get(key).cloned()).collect();
            (!values.is_empty()).then_some(Value::Array(values))
        }
        _ => None,
    }
}

fn find_cases() -> Vec<TestCase<FindInDictionaryBlock>> {
    vec![
        TestCase::json("reads an object's member", json!({"input": {"apple": 1, "banana": 2}, "key": "banana"}))
            .output(FindInDictionaryOutput::Output(json!(2))),
        TestCase::json("a missing key sends the input on", json!({"input": {"apple": 1}, "key": "cherry"}))
            .output(FindInDictionaryOutput::Missing(json!({"apple": 1}))),
        TestCase::json("reads a list's item by position", json!({"input": ["a", "b", "c"], "key": "1"}))
            .output(FindInDictionaryOutput::Output(json!("b"))),
        TestCase::json("a negative position counts from the end", json!({"input": ["a", "b", "c"], "key": "-1"}))
            .output(FindInDictionaryOutput::Output(json!("c"))),
        TestCase::json("a position past the end is missing", json!({"input": ["a"], "key": "5"}))
            .output(FindInDictionaryOutput::Missing(json!(["a"]))),
        TestCase::json(
            "collects a key from every object of a list",
            json!({"input": [{"k": 1}, {"x": 0}, {"k": 2}], "key": "k"}),
        )
        .output(FindInDictionaryOutput::Output(json!([1, 2]))),
        TestCase::json("a plain value has no keys", json!({"input": "text", "key": "a"}))
            .output(FindInDictionaryOutput::Missing(json!("text"))),
        TestCase::json("a member holding null is found", json!({"input": {"a": null}, "key": "a"}))
            .output(FindInDictionaryOutput::Output(Value::Null)),
    ]
}
