//! The blocks that give a graph its inputs and outputs.
//!
//! An [`AgentInputBlock`] node is a named input of the graph: the value a caller
//! gives under its `name` (or else its preset `value`) comes out of its `result`
//! pin. An [`AgentOutputBlock`] node is a named output: each value reaching its
//! `value` field becomes a value of the graph's output `name`. The graph's
//! [`input_schema`](super::Graph::input_schema) and
//! [`output_schema`](super::Graph::output_schema) are made from these nodes.

use serde_json::{Value, json};

use super::schema_fit::{JsonTypes, types_of_value};
use crate::prelude::*;
use crate::{BlockEnum, BlockInput, BlockOutput, block};

/// The kind of value a graph input or output carries.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[block_value(crate = crate)]
pub enum ValueType {
    /// Any JSON value.
    Any,
    /// Text.
    String,
    /// A number.
    Number,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A JSON object.
    Object,
    /// A list.
    Array,
}

impl ValueType {
    /// The JSON schema of a value of this type (`{}` for any).
    pub fn schema(self) -> Value {
        match self.json_name() {
            Some(name) => json!({"type": name}),
            None => json!({}),
        }
    }

    /// The JSON type name, `None` for any.
    pub fn json_name(self) -> Option<&'static str> {
        match self {
            ValueType::Any => None,
            ValueType::String => Some("string"),
            ValueType::Number => Some("number"),
            ValueType::Integer => Some("integer"),
            ValueType::Boolean => Some("boolean"),
            ValueType::Object => Some("object"),
            ValueType::Array => Some("array"),
        }
    }

    /// Whether `value` is of this type.
    pub fn admits(self, value: &Value) -> bool {
        match self {
            ValueType::Any => true,
            ValueType::Integer => value.as_i64().is_some() || value.as_u64().is_some(),
            _ => JsonTypes::of_schema(&self.schema()).overlaps(types_of_value(value)),
        }
    }
}

/// Inputs of [`AgentInputBlock`].
#[derive(BlockInput)]
#[block_input(crate = crate)]
pub struct AgentInputInput {
    /// The input's name: callers give its value under this key.
    pub name: String,
    /// The value given for the run; the preset value is the input's default.
    pub value: Option<Value>,
    /// The kind of value the input takes.
    #[block_input(default = "any", advanced = false)]
    pub value_type: ValueType,
    /// The title callers see; the name when absent.
    #[block_input(advanced)]
    pub title: Option<String>,
    /// What the input is for.
    #[block_input(advanced)]
    pub description: Option<String>,
    /// Whether the value is a secret a form should mask.
    #[block_input(default = false)]
    pub secret: bool,
    /// Whether a form should show the input among the advanced ones (only when it
    /// has a default).
    #[block_input(default = false)]
    pub advanced: bool,
}

/// Outputs of [`AgentInputBlock`].
#[derive(BlockOutput)]
#[block_output(crate = crate)]
pub enum AgentInputOutput {
    /// The input's value.
    Result(Value),
}

/// A named input of the graph: emits the value given for it on `result` (nothing
/// when the run gives none and there is no default). A value of another type than
/// `value_type` fails the node.
#[block(
    id = "68e97033-7e28-4ae7-b109-18a65fb7592b",
    categories(Input, Basic),
    tests = agent_input_cases,
    crate = crate
)]
pub struct AgentInputBlock;

#[diagnostic::do_not_recommend]
impl Run for AgentInputBlock {
    type Input = AgentInputInput;
    type Output = AgentInputOutput;

    async fn run(
        &self,
        input: AgentInputInput,
        _ctx: &RunContext,
        out: &Emit<AgentInputOutput>,
    ) -> Result<(), BlockError> {
        let Some(value) = input.value else { return Ok(()) };
        if !input.value_type.admits(&value) {
            return Err(BlockError::new(format!(
                "the graph input `{}` takes a value of type {}, not {}",
                input.name,
                input.value_type.json_name().unwrap_or("any"),
                types_of_value(&value)
            )));
        }
        out.emit(AgentInputOutput::Result(value)).await
    }
}

/// Inputs of [`AgentOutputBlock`].
#[derive(BlockInput)]
#[block_input(crate = crate)]
pub struct AgentOutputInput {
    /// The output's name: the graph's results carry its values under this key.
    pub name: String,
    /// The value to output.
    pub value: Value,
    /// The kind of value the output carries (for the graph's output schema).
    #[block_input(default = "any", advanced)]
    pub value_type: ValueType,
    /// The title callers see; the name when absent.
    #[block_input(advanced)]
    pub title: Option<String>,
    /// What the output is.
    #[block_input(advanced)]
    pub description: Option<String>,
}

/// Outputs of [`AgentOutputBlock`].
#[derive(BlockOutput)]
#[block_output(crate = crate)]
pub enum AgentOutputOutput {
    /// The value, as output by the graph.
    Output(Value),
    /// The output's name.
    Name(String),
}

/// A named output of the graph: every value reaching `value` becomes a value of
/// the graph's output `name`, and is passed on on `output`.
#[block(
    id = "bce1541f-d88b-4501-b333-22921a6b027d",
    categories(Output, Basic),
    tests = agent_output_cases,
    crate = crate
)]
pub struct AgentOutputBlock;

#[diagnostic::do_not_recommend]
impl Run for AgentOutputBlock {
    type Input = AgentOutputInput;
    type Output = AgentOutputOutput;

    async fn run(
        &self,
        input: AgentOutputInput,
        _ctx: &RunContext,
        out: &Emit<AgentOutputOutput>,
    ) -> Result<(), BlockError> {
        out.emit(AgentOutputOutput::Output(input.value)).await?;
        out.emit(AgentOutputOutput::Name(input.name)).await
    }
}

fn agent_input_cases() -> Vec<TestCase<AgentInputBlock>> {
    vec![
        TestCase::json("emits the given value", json!({"name": "topic", "value": "rust"}))
            .output(AgentInputOutput::Result(json!("rust"))),
        TestCase::json("emits nothing without a value", json!({"name": "topic"})),
        TestCase::json("checks the value's type", json!({"name": "n", "value": "ten", "value_type": "integer"}))
            .error_containing("the graph input `n` takes a value of type integer, not string"),
        TestCase::json("takes any value by default", json!({"name": "n", "value": [1, {"a": null}]}))
            .output(AgentInputOutput::Result(json!([1, {"a": null}]))),
        TestCase::json("needs a name", json!({"value": 1})).invalid_input([""]),
    ]
}

fn agent_output_cases() -> Vec<TestCase<AgentOutputBlock>> {
    vec![
        TestCase::json("passes the value on with its name", json!({"name": "sum", "value": 3}))
            .outputs([AgentOutputOutput::Output(json!(3)), AgentOutputOutput::Name("sum".into())]),
        TestCase::json("needs a value", json!({"name": "sum"})).invalid_input([""]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_types_admit_their_values() {
        assert!(ValueType::Integer.admits(&json!(3)));
        assert!(!ValueType::Integer.admits(&json!(3.5)));
        assert!(ValueType::Number.admits(&json!(3)));
        assert!(!ValueType::String.admits(&json!(3)));
        assert!(ValueType::Any.admits(&Value::Null));
        assert_eq!(ValueType::Object.schema(), json!({"type": "object"}));
    }
}
