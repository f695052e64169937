//! What a graph takes and gives: its input, output and credentials input schemas,
//! computed as the reference platform computes them, and the values of one run.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::io::{AgentInputBlock, AgentOutputBlock};
use super::{Graph, Node};
use crate::Block;
use crate::registry::{CredentialField, Registry};

/// The values a run gives a graph: inputs by name, credentials (their meta
/// objects) by graph credentials input key, and values given to single nodes
/// over their `input_default` (the way a webhook trigger node gets its
/// delivery's `payload`).
///
/// ```
/// use block_core::graph::GraphInputs;
/// use block_core::json;
///
/// let inputs = GraphInputs::new()
///     .value("topic", json!("rust"))
///     .credentials("github_api_key_credentials", json!({"id": "c1", "provider": "github", "type": "api_key"}));
/// assert_eq!(inputs.values["topic"], "rust");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphInputs {
    /// Values of the graph's inputs, by name.
    pub values: Map<String, Value>,
    /// Credentials meta objects, by graph credentials input key.
    pub credentials: Map<String, Value>,
    /// Input values of single nodes, by node id, over the node's `input_default`
    /// (the reference's node input masks). A graph with a webhook trigger node
    /// runs only with that node's `payload` given here.
    pub nodes: BTreeMap<String, Map<String, Value>>,
}

impl GraphInputs {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives input `name` this value.
    pub fn value(mut self, name: impl Into<String>, value: Value) -> Self {
        self.values.insert(name.into(), value);
        self
    }

    /// Gives credentials input `key` these credentials (a meta object).
    pub fn credentials(mut self, key: impl Into<String>, meta: Value) -> Self {
        self.credentials.insert(key.into(), meta);
        self
    }

    /// Gives node `node_id`'s input `field` this value, over its preset one
    /// (e.g. a webhook trigger node's `payload`).
    pub fn node_value(mut self, node_id: impl Into<String>, field: impl Into<String>, value: Value) -> Self {
        self.nodes.entry(node_id.into()).or_default().insert(field.into(), value);
        self
    }
}

/// One credentials input of a graph: the credentials fields of its nodes that take
/// the same provider and kinds, filled by one value.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialsInput {
    /// `<provider>_<kinds, sorted>_credentials`, as the reference names it.
    pub key: String,
    /// The provider slug.
    pub provider: String,
    /// The kinds accepted (wire names, sorted).
    pub types: Vec<String>,
    /// Every scope any of the fields needs.
    pub scopes: Vec<String>,
    /// The fields it fills: (node id, field name).
    pub fields: Vec<(String, String)>,
    /// Whether any of the fields must be filled.
    pub required: bool,
    /// The field schema of the first field (the meta object with its
    /// `credentials_*` keys).
    schema: Value,
}

impl Node {
    /// Whether this node is a graph input.
    pub fn is_graph_input(&self) -> bool {
        is_block::<AgentInputBlock>(&self.block_id)
    }

    /// Whether this node is a graph output.
    pub fn is_graph_output(&self) -> bool {
        is_block::<AgentOutputBlock>(&self.block_id)
    }

    /// The name of the graph input or output this node is, if it has one.
    pub fn io_name(&self) -> Option<&str> {
        self.input_default.get("name").and_then(Value::as_str)
    }
}

fn is_block<B: Block>(id_or_name: &str) -> bool {
    id_or_name == B::DESCRIPTOR.id || id_or_name == B::DESCRIPTOR.name
}

impl Graph {
    /// The input nodes, in node order.
    pub fn input_nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|node| node.is_graph_input())
    }

    /// The output nodes, in node order.
    pub fn output_nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|node| node.is_graph_output())
    }

    /// The webhook trigger nodes (nodes of a block a provider's webhook starts),
    /// in node order: a graph runs with one at most, on its webhook's deliveries.
    pub fn trigger_nodes<'g>(&'g self, registry: &'g Registry) -> impl Iterator<Item = &'g Node> + 'g {
        self.nodes.iter().filter(|node| registry.find(&node.block_id).is_some_and(|b| b.descriptor().trigger.is_some()))
    }

    /// The JSON schema of the graph's inputs: one property per input node, with its
    /// type, `title` (the name when absent), `description`, `secret`, `advanced`
    /// (only with a default) and `default` (the node's preset value); inputs with no
    /// preset value are `required`.
    pub fn input_schema(&self) -> Value {
        io_schema(self.input_nodes(), true)
    }

    /// The JSON schema of the graph's outputs: one property per output node.
    pub fn output_schema(&self) -> Value {
        io_schema(self.output_nodes(), false)
    }

    /// The graph's credentials inputs: the credentials fields of its nodes that
    /// hold no preset credentials, grouped by provider and kinds. Nodes of blocks the
    /// registry does not know are skipped (validation reports them).
    pub fn credentials_inputs(&self, registry: &Registry) -> Vec<CredentialsInput> {
        let mut inputs: Vec<CredentialsInput> = Vec::new();
        for node in &self.nodes {
            let Some(block) = registry.find(&node.block_id) else { continue };
            for field in block.credential_fields() {
                if has_preset_credentials(node, &field.name) {
                    continue;
                }
                let key = credentials_key(field);
                let schema = block.wire_input_schema()["properties"][&field.name].clone();
                let entry = match inputs.iter_mut().position(|input| input.key == key) {
                    Some(index) => &mut inputs[index],
                    None => {
                        inputs.push(CredentialsInput {
                            key,
                            provider: field.provider.clone(),
                            types: sorted_types(field),
                            scopes: Vec::new(),
                            fields: Vec::new(),
                            required: false,
                            schema,
                        });
                        let last = inputs.len() - 1;
                        &mut inputs[last]
                    }
                };
                for scope in &field.scopes {
                    if !entry.scopes.contains(scope) {
                        entry.scopes.push(scope.clone());
                    }
                }
                entry.fields.push((node.id.clone(), field.name.clone()));
                entry.required |= field.required;
            }
        }
        inputs
    }

    /// The JSON schema of the graph's credentials inputs, one property per
    /// [`CredentialsInput`], each the credentials field schema of its nodes with
    /// the scopes of them all.
    pub fn credentials_input_schema(&self, registry: &Registry) -> Value {
        let inputs = self.credentials_inputs(registry);
        let mut properties = Map::new();
        for input in &inputs {
            let mut schema = input.schema.clone();
            if let Value::Object(map) = &mut schema {
                map.insert("credentials_scopes".into(), json!(input.scopes));
                map.remove("default");
            }
            properties.insert(input.key.clone(), schema);
        }
        let required: Vec<&str> =
            inputs.iter().filter(|input| input.required).map(|input| input.key.as_str()).collect();
        json!({"type": "object", "properties": properties, "required": required})
    }
}

/// Whether `node` presets credentials (a meta object with an id) in `field`.
pub(crate) fn has_preset_credentials(node: &Node, field: &str) -> bool {
    node.input_default.get(field).and_then(|meta| meta.get("id")).is_some_and(Value::is_string)
}

fn credentials_key(field: &CredentialField) -> String {
    format!("{}_{}_credentials", field.provider, sorted_types(field).join("_"))
}

fn sorted_types(field: &CredentialField) -> Vec<String> {
    let mut types: Vec<String> =
        field.types.iter().filter_map(|kind| serde_json::to_value(kind).ok()?.as_str().map(str::to_owned)).collect();
    types.sort();
    types
}

fn io_schema<'a>(nodes: impl Iterator<Item = &'a Node>, inputs: bool) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for node in nodes {
        let Some(name) = node.io_name() else { continue };
        let preset = &node.input_default;
        let value_type = preset
            .get("value_type")
            .and_then(|value| serde_json::from_value::<super::io::ValueType>(value.clone()).ok())
            .unwrap_or(super::io::ValueType::Any);
        let mut schema = match value_type.schema() {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let text = |key: &str| preset.get(key).and_then(Value::as_str).filter(|text| !text.is_empty());
        schema.insert("title".into(), json!(text("title").unwrap_or(name)));
        if let Some(description) = text("description") {
            schema.insert("description".into(), json!(description));
        }
        let default = preset.get("value").filter(|value| !value.is_null());
        if inputs {
            let flag = |key: &str| preset.get(key).and_then(Value::as_bool).unwrap_or(false);
            schema.insert("secret".into(), json!(flag("secret")));
            schema.insert("advanced".into(), json!(flag("advanced") && default.is_some()));
            if let Some(default) = default {
                schema.insert("default".into(), default.clone());
            }
        }
        if !inputs || default.is_none() {
            required.push(Value::String(name.to_owned()));
        }
        properties.insert(name.to_owned(), Value::Object(schema));
    }
    json!({"type": "object", "properties": properties, "required": required})
}
