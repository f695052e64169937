//! Checking a graph against a registry, every problem at once.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::interface::has_preset_credentials;
use super::schema_fit::{JsonTypes, step_schema, types_of_value};
use super::{Graph, GraphError, GraphInputs, GraphProblem, Link, PinPath, PinStep};
use crate::OutputEvent;
use crate::registry::{RegisteredBlock, Registry};

impl Graph {
    /// Checks the graph's structure against `registry` and lists every problem
    /// with where it is: duplicate ids, unknown or disabled blocks, links naming
    /// unknown nodes, pins or fields, links whose source can never fit their sink
    /// (see [`JsonTypes`]), required inputs nothing fills, preset values of the
    /// wrong type, graph inputs or outputs sharing a name.
    ///
    /// Credentials fields with no preset credentials are the graph's credentials
    /// inputs (see [`Graph::credentials_inputs`]); [`validate_run`](Self::validate_run)
    /// checks that a run fills them.
    pub fn validate(&self, registry: &Registry) -> Result<(), GraphError> {
        finish(self.structure_problems(registry))
    }

    /// [`validate`](Self::validate), and checks that `inputs` fill the graph: a
    /// value for every input without a default, no value for an input the graph
    /// does not have, credentials for every required credentials input, node
    /// values only for nodes the graph has, and, for a graph with a webhook
    /// trigger node, only one such node and its delivery's `payload`.
    pub fn validate_run(&self, registry: &Registry, inputs: &GraphInputs) -> Result<(), GraphError> {
        let mut problems = self.structure_problems(registry);
        let names: HashSet<&str> = self.input_nodes().filter_map(|node| node.io_name()).collect();
        for node in self.input_nodes() {
            let Some(name) = node.io_name() else { continue };
            let preset = node.input_default.get("value").is_some_and(|value| !value.is_null());
            if !preset && inputs.values.get(name).is_none_or(Value::is_null) {
                problems.push(GraphProblem::MissingGraphInput { name: name.to_owned(), node: node.id.clone() });
            }
        }
        for name in inputs.values.keys() {
            if !names.contains(name.as_str()) {
                problems.push(GraphProblem::UnknownGraphInput { name: name.clone() });
            }
        }
        for input in self.credentials_inputs(registry) {
            if !input.required || inputs.credentials.get(&input.key).is_some_and(|meta| meta.get("id").is_some()) {
                continue;
            }
            for (node, field) in input.fields {
                // A node given its own credentials (a trigger node's subscription) needs none here.
                let given = inputs.nodes.get(&node).and_then(|values| values.get(&field));
                if given.is_some_and(|meta| meta.get("id").is_some()) {
                    continue;
                }
                problems.push(GraphProblem::MissingCredentials { node, field, input: input.key.clone() });
            }
        }
        for node in inputs.nodes.keys() {
            if self.node(node).is_none() {
                problems.push(GraphProblem::ValuesForUnknownNode { node: node.clone() });
            }
        }
        let triggers: Vec<&super::Node> = self.trigger_nodes(registry).collect();
        if triggers.len() > 1 {
            problems.push(GraphProblem::SeveralTriggers { nodes: triggers.iter().map(|n| n.id.clone()).collect() });
        }
        for node in triggers {
            let given = inputs.nodes.get(&node.id).and_then(|values| values.get("payload"));
            if given.is_none_or(Value::is_null) {
                let block = registry.find(&node.block_id).map_or("", |block| block.name());
                problems.push(GraphProblem::TriggerWithoutPayload { node: node.id.clone(), block });
            }
        }
        finish(problems)
    }

    fn structure_problems(&self, registry: &Registry) -> Vec<GraphProblem> {
        let mut problems = self.own_problems(registry);
        problems.extend(super::subgraph::problems(self, registry));
        problems
    }

    /// The problems of this graph's own nodes and links, not looking into the
    /// sub-graphs its nodes run.
    pub(crate) fn own_problems(&self, registry: &Registry) -> Vec<GraphProblem> {
        let mut problems = Vec::new();
        let mut blocks: HashMap<&str, Option<&RegisteredBlock>> = HashMap::new();
        for node in &self.nodes {
            if blocks.contains_key(node.id.as_str()) {
                problems.push(GraphProblem::DuplicateNode { node: node.id.clone() });
                continue;
            }
            let block = registry.find(&node.block_id);
            match block {
                None => {
                    problems.push(GraphProblem::UnknownBlock { node: node.id.clone(), block_id: node.block_id.clone() })
                }
                Some(block) if block.descriptor().disabled => {
                    problems.push(GraphProblem::DisabledBlock { node: node.id.clone(), block: block.name() })
                }
                Some(_) => {}
            }
            blocks.insert(&node.id, block);
        }
        let nodes: HashMap<&str, &super::Node> = self.nodes.iter().map(|node| (node.id.as_str(), node)).collect();
        let mut linked: HashMap<&str, HashSet<String>> = HashMap::new();
        let mut link_ids = HashSet::new();
        for link in &self.links {
            if !link.id.is_empty() && !link_ids.insert(link.id.as_str()) {
                problems.push(GraphProblem::DuplicateLink { link: link.id.clone() });
            }
            let ends = (nodes.get(link.source_id.as_str()).copied(), nodes.get(link.sink_id.as_str()).copied());
            check_link(self, ends, link, &blocks, &mut problems);
            let field = PinPath::parse(&link.sink_name).map_or_else(|_| link.sink_name.clone(), |path| path.base);
            linked.entry(link.sink_id.as_str()).or_default().insert(field);
        }
        let none = HashSet::new();
        for node in &self.nodes {
            let Some(Some(block)) = blocks.get(node.id.as_str()) else { continue };
            check_node_inputs(node, block, linked.get(node.id.as_str()).unwrap_or(&none), &mut problems);
        }
        for (kind, nodes) in
            [("input", self.input_nodes().collect::<Vec<_>>()), ("output", self.output_nodes().collect())]
        {
            let mut by_name: Vec<(&str, Vec<String>)> = Vec::new();
            for node in nodes {
                let Some(name) = node.io_name() else { continue };
                match by_name.iter_mut().find(|(seen, _)| *seen == name) {
                    Some((_, ids)) => ids.push(node.id.clone()),
                    None => by_name.push((name, vec![node.id.clone()])),
                }
            }
            for (name, nodes) in by_name.into_iter().filter(|(_, nodes)| nodes.len() > 1) {
                problems.push(GraphProblem::DuplicateName { kind, name: name.to_owned(), nodes });
            }
        }
        problems
    }
}

fn finish(problems: Vec<GraphProblem>) -> Result<(), GraphError> {
    if problems.is_empty() { Ok(()) } else { Err(GraphError { problems }) }
}

/// The schema of a value of any type.
static ANY: Value = Value::Bool(true);

fn check_link(
    graph: &Graph,
    (source_node, sink_node): (Option<&super::Node>, Option<&super::Node>),
    link: &Link,
    blocks: &HashMap<&str, Option<&RegisteredBlock>>,
    problems: &mut Vec<GraphProblem>,
) {
    let name = link.to_string();
    let mut ends = Vec::new();
    for (end, node, pin) in [("source", &link.source_id, &link.source_name), ("sink", &link.sink_id, &link.sink_name)] {
        let block = match blocks.get(node.as_str()) {
            None => {
                problems.push(GraphProblem::UnknownNode { link: name.clone(), end, node: node.clone() });
                None
            }
            Some(block) => *block,
        };
        let path = match PinPath::parse(pin) {
            Ok(path) => Some(path),
            Err(error) => {
                problems.push(GraphProblem::BadPinName { link: name.clone(), error });
                None
            }
        };
        ends.push(block.zip(path));
    }
    let (Some((source, source_path)), Some((sink, sink_path))) = (ends.remove(0), ends.remove(0)) else { return };
    if source_path.base == OutputEvent::ERROR {
        problems.push(GraphProblem::ErrorPinLinked { link: name });
        return;
    }
    // A sub-graph node's pins are its graph's outputs, and it takes its graph's
    // inputs as fields beside its own, all of any type.
    let sub_graph_pins = source_node.and_then(|node| super::subgraph::output_names(graph, node));
    let source_schema = match &sub_graph_pins {
        Some(names) if names.contains(&source_path.base) => &ANY,
        Some(names) => {
            problems.push(GraphProblem::UnknownOutputPin {
                link: name,
                node: link.source_id.clone(),
                block: source.name(),
                pin: source_path.base,
                known: names.clone(),
            });
            return;
        }
        None => match source.wire_output_schema()["properties"].get(&source_path.base) {
            Some(schema) => schema,
            None => {
                problems.push(GraphProblem::UnknownOutputPin {
                    link: name,
                    node: link.source_id.clone(),
                    block: source.name(),
                    pin: source_path.base,
                    known: source.descriptor().pins.iter().map(|pin| (*pin).to_owned()).collect(),
                });
                return;
            }
        },
    };
    let sub_graph_inputs = sink_node.and_then(|node| super::subgraph::input_names(graph, node)).unwrap_or_default();
    let sink_schema = match sink.wire_input_schema()["properties"].get(&sink_path.base) {
        Some(schema) => schema,
        None if sub_graph_inputs.contains(&sink_path.base) => &ANY,
        None => {
            problems.push(GraphProblem::UnknownInputField {
                link: name,
                node: link.sink_id.clone(),
                block: sink.name(),
                field: sink_path.base,
            });
            return;
        }
    };
    let source_part = walk(source_schema, &source_path, "source", &name, problems);
    let sink_part = walk(sink_schema, &sink_path, "sink", &name, problems);
    if let (Some(Some(source_part)), Some(Some(sink_part))) = (source_part, sink_part) {
        let (sends, takes) = (JsonTypes::of_schema(source_part), JsonTypes::of_schema(sink_part));
        if !sends.overlaps(takes) {
            problems.push(GraphProblem::IncompatibleLink {
                link: name,
                source_types: sends.to_string(),
                sink_types: takes.to_string(),
            });
        }
    }
}

/// The schema of the part a dynamic name addresses: `Some(None)` when the schema
/// does not say (any type), `None` when a step cannot apply (reported).
fn walk<'s>(
    schema: &'s Value,
    path: &PinPath,
    end: &'static str,
    link: &str,
    problems: &mut Vec<GraphProblem>,
) -> Option<Option<&'s Value>> {
    let mut current = Some(schema);
    for step in &path.steps {
        let Some(schema) = current else { return Some(None) };
        let (container, what) = match step {
            PinStep::Index(_) => (JsonTypes::ARRAY, "an index of a list"),
            PinStep::Key(_) | PinStep::Attribute(_) => (JsonTypes::OBJECT, "a key of an object"),
        };
        let types = JsonTypes::of_schema(schema);
        if !types.overlaps(container) {
            problems.push(GraphProblem::BadStep {
                link: link.to_owned(),
                end,
                reason: format!("`{}` addresses {what} in a value of type {types}", path.base),
            });
            return None;
        }
        current = step_schema(schema, step);
    }
    Some(current)
}

fn check_node_inputs(
    node: &super::Node,
    block: &RegisteredBlock,
    linked: &HashSet<String>,
    problems: &mut Vec<GraphProblem>,
) {
    let schema = block.wire_input_schema();
    let properties = schema["properties"].as_object();
    let credential_fields: Vec<&str> = block.credential_fields().iter().map(|field| field.name.as_str()).collect();
    let trigger_payload = |field: &str| block.descriptor().trigger.is_some() && field == "payload";
    for field in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let preset = node.input_default.get(field).is_some_and(|value| !value.is_null())
            || node.input_default.keys().any(|key| PinPath::parse(key).is_ok_and(|path| path.base == field));
        let has_default = properties.and_then(|p| p.get(field)).is_some_and(|p| p.get("default").is_some());
        if preset
            || has_default
            || linked.contains(field)
            || credential_fields.contains(&field)
            || trigger_payload(field)
        {
            continue;
        }
        problems.push(GraphProblem::MissingInput {
            node: node.id.clone(),
            block: block.name(),
            field: field.to_owned(),
        });
    }
    for (field, value) in &node.input_default {
        let Some(field_schema) = properties.and_then(|p| p.get(field)) else { continue };
        if value.is_null() || (credential_fields.contains(&field.as_str()) && !has_preset_credentials(node, field)) {
            continue;
        }
        let (expected, found) = (JsonTypes::of_schema(field_schema), types_of_value(value));
        if !expected.overlaps(found) {
            problems.push(GraphProblem::DefaultDoesNotFit {
                node: node.id.clone(),
                field: field.clone(),
                expected: expected.to_string(),
                found: found.to_string(),
            });
        }
    }
}
