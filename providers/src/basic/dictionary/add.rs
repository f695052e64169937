//! Adds entries to a dictionary.

use block_core::prelude::*;
use serde_json::Map;

/// Inputs of `AddToDictionaryBlock`.
#[derive(BlockInput)]
pub struct AddToDictionaryInput {
    /// The dictionary to add to; a new one when absent.
    #[block_input(default = {})]
    pub dictionary: Map<String, Value>,
    /// The key of one entry to add; needs `value`.
    #[block_input(placeholder = "name")]
    pub key: Option<String>,
    /// The value of the entry named by `key`.
    #[block_input(depends_on = [key])]
    pub value: Option<Value>,
    /// Several entries to add, after `key`.
    #[block_input(default = {})]
    pub entries: Map<String, Value>,
}

/// Outputs of `AddToDictionaryBlock`.
#[derive(BlockOutput)]
pub enum AddToDictionaryOutput {
    /// The dictionary with the entries added (an existing key gets the new value).
    UpdatedDictionary(Map<String, Value>),
}

/// Adds an entry (`key` and `value`), several entries, or both to a dictionary;
/// an existing key takes the new value.
#[block(id = "b7d4788e-1567-42f1-92cd-9e365b113094", categories(Basic), tests = add_to_dictionary_cases)]
pub struct AddToDictionaryBlock;

impl Run for AddToDictionaryBlock {
    type Input = AddToDictionaryInput;
    type Output = AddToDictionaryOutput;

    async fn run(
        &self,
        input: AddToDictionaryInput,
        _ctx: &RunContext,
        out: &Emit<AddToDictionaryOutput>,
    ) -> Result<(), BlockError> {
        let mut dictionary = input.dictionary;
        match (input.key, input.value) {
            (Some(key), value) => {
                dictionary.insert(key, value.unwrap_or(Value::Null));
            }
            (None, Some(_)) => return Err(BlockError::new("input `value` is given without a `key` to put it under")),
            (None, None) => {}
        }
        dictionary.extend(input.entries);
        out.emit(AddToDictionaryOutput::UpdatedDictionary(dictionary)).await
    }
}

fn add_to_dictionary_cases() -> Vec<TestCase<AddToDictionaryBlock>> {
    let dictionary = |value: Value| match value {
        Value::Object(map) => AddToDictionaryOutput::UpdatedDictionary(map),
        _ => AddToDictionaryOutput::UpdatedDictionary(Map::new()),
    };
    vec![
        TestCase::json("adds one entry", json!({"dictionary": {"a": 1}, "key": "b", "value": 2}))
            .output(dictionary(json!({"a": 1, "b": 2}))),
        TestCase::json(
            "adds an entry and several more",
            json!({"dictionary": {}, "key": "a", "value": [1], "entries": {"b": true, "c": null}}),
        )
        .output(dictionary(json!({"a": [1], "b": true, "c": null}))),
        TestCase::json("an existing key takes the new value", json!({"dictionary": {"a": 1}, "entries": {"a": 9}}))
            .output(dictionary(json!({"a": 9}))),
        TestCase::json("a key without a value holds null", json!({"key": "flag"}))
            .output(dictionary(json!({"flag": null}))),
        TestCase::json("a value needs a key", json!({"value": 3})).error_containing("`value` is given without a `key`"),
        TestCase::json("the dictionary must be an object", json!({"dictionary": [1]})).invalid_input(["/dictionary"]),
    ]
}
