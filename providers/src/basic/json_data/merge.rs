//! Merges JSON objects into one.

use block_core::prelude::*;
use serde_json::Map;

/// Inputs of `JsonMergeBlock`.
#[derive(BlockInput)]
pub struct JsonMergeInput {
    /// The objects to merge; a later object's members win over an earlier one's.
    #[block_input(placeholder = r#"[{"a": 1}, {"b": 2}]"#)]
    pub objects: Vec<Map<String, Value>>,
    /// Merge members that are objects in both, member by member, instead of letting
    /// the later object replace the earlier one whole. Lists are always replaced.
    #[block_input(default = true)]
    pub deep: bool,
}

/// Outputs of `JsonMergeBlock`.
#[derive(BlockOutput)]
pub enum JsonMergeOutput {
    /// The merged object.
    Merged(Map<String, Value>),
}

/// Merges a list of JSON objects into one, later members winning; nested objects
/// are merged too unless `deep` is off.
#[block(id = "4aa1dd8d-0ef4-444a-b984-08d6982e627e", categories(Data), tests = json_merge_cases)]
pub struct JsonMergeBlock;

impl Run for JsonMergeBlock {
    type Input = JsonMergeInput;
    type Output = JsonMergeOutput;

    async fn run(
        &self,
        input: JsonMergeInput,
        _ctx: &RunContext,
        out: &Emit<JsonMergeOutput>,
    ) -> Result<(), BlockError> {
        let mut merged = Map::new();
        for object in input.objects {
            merge_into(&mut merged, object, input.deep);
        }
        out.emit(JsonMergeOutput::Merged(merged)).await
    }
}

/// Puts `from`'s members into `into`; with `deep`, objects on both sides merge.
fn merge_into(into: &mut Map<String, Value>, from: Map<String, Value>, deep: bool) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) if deep => merge_into(existing, incoming, deep),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

fn json_merge_cases() -> Vec<TestCase<JsonMergeBlock>> {
    let object = |value: Value| match value {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    vec![
        TestCase::json("later members win", json!({"objects": [{"a": 1, "b": 1}, {"b": 2, "c": 3}]}))
            .output(JsonMergeOutput::Merged(object(json!({"a": 1, "b": 2, "c": 3})))),
        TestCase::json(
            "merges nested objects and replaces lists",
            json!({"objects": [{"user": {"name": "Ada", "tags": [1]}}, {"user": {"age": 36, "tags": [2]}}]}),
        )
        .output(JsonMergeOutput::Merged(object(json!({"user": {"name": "Ada", "tags": [2], "age": 36}})))),
        TestCase::json(
            "a shallow merge replaces nested objects whole",
            json!({"objects": [{"user": {"name": "Ada"}}, {"user": {"age": 36}}], "deep": false}),
        )
        .output(JsonMergeOutput::Merged(object(json!({"user": {"age": 36}})))),
        TestCase::json("no objects merge to an empty one", json!({"objects": []}))
            .output(JsonMergeOutput::Merged(Map::new())),
        TestCase::json("only objects can be merged", json!({"objects": [{"a": 1}, [1]]})).invalid_input(["/objects/1"]),
    ]
}
