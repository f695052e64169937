//! Lists a dictionary's keys and values.

use block_core::prelude::*;
use serde_json::Map;

/// Inputs of `DictionaryKeysBlock`.
#[derive(BlockInput)]
pub struct DictionaryKeysInput {
    /// The dictionary.
    pub dictionary: Map<String, Value>,
}

/// Outputs of `DictionaryKeysBlock`.
#[derive(BlockOutput)]
pub enum DictionaryKeysOutput {
    /// The keys, in the dictionary's order.
    Keys(Vec<String>),
    /// The values, in the same order.
    Values(Vec<Value>),
}

/// Lists the keys of a dictionary and, in the same order, its values.
#[block(id = "801eee40-3cf7-4714-ad75-c6ed99d2ff98", categories(Basic), tests = dictionary_keys_cases)]
pub struct DictionaryKeysBlock;

impl Run for DictionaryKeysBlock {
    type Input = DictionaryKeysInput;
    type Output = DictionaryKeysOutput;

    async fn run(
        &self,
        input: DictionaryKeysInput,
        _ctx: &RunContext,
        out: &Emit<DictionaryKeysOutput>,
    ) -> Result<(), BlockError> {
        let (keys, values) = input.dictionary.into_iter().unzip();
        out.emit(DictionaryKeysOutput::Keys(keys)).await?;
        out.emit(DictionaryKeysOutput::Values(values)).await
    }
}

fn dictionary_keys_cases() -> Vec<TestCase<DictionaryKeysBlock>> {
    vec![
        TestCase::json("lists keys and values in order", json!({"dictionary": {"b": 1, "a": [2]}})).outputs([
            DictionaryKeysOutput::Keys(vec!["b".into(), "a".into()]),
            DictionaryKeysOutput::Values(vec![json!(1), json!([2])]),
        ]),
        TestCase::json("an empty dictionary has no keys", json!({"dictionary": {}}))
            .outputs([DictionaryKeysOutput::Keys(vec![]), DictionaryKeysOutput::Values(vec![])]),
        TestCase::json("only objects have keys", json!({"dictionary": "text"})).invalid_input(["/dictionary"]),
    ]
}
