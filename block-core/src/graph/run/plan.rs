//! A validated graph turned into what the coordinator looks up per value: each
//! node's block, preset input, linked fields, required fields and outgoing links.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::graph::{Graph, GraphInputs, PinPath};
use crate::registry::Registry;

/// What kind of node it is, for what the coordinator does beyond running it.
#[derive(Debug)]
pub(super) enum NodeKind {
    /// An ordinary block.
    Block,
    /// A graph output: its `output` pin's values are the graph's output.
    Output,
    /// A sub-graph, run as one node.
    SubGraph(Arc<Graph>),
}

#[derive(Debug)]
pub(super) struct PlanNode {
    pub id: Arc<str>,
    pub block_id: &'static str,
    /// The block's secret input fields (left out of its executions' ids).
    pub secret: Vec<String>,
    pub defaults: Map<String, Value>,
    /// The sink names of the links into the node, each once.
    pub linked: Vec<String>,
    /// The sink names fed by static links.
    pub static_linked: Vec<String>,
    /// Required fields without a schema default.
    pub required: Vec<String>,
    pub outs: Vec<OutLink>,
    pub kind: NodeKind,
    /// What it starts with, when it starts the run.
    pub start: Option<Map<String, Value>>,
}

#[derive(Debug)]
pub(super) struct OutLink {
    pub source: PinPath,
    pub sink: usize,
    pub sink_name: String,
    pub is_static: bool,
}

#[derive(Debug)]
pub(super) struct Plan {
    pub nodes: Vec<PlanNode>,
}

impl Plan {
    /// Plans a graph that passed [`Graph::validate_run`]; parts validation would
    /// refuse (unknown blocks, links to unknown nodes) are left out.
    pub fn new(graph: &Graph, registry: &Registry, inputs: &GraphInputs) -> Plan {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut nodes = Vec::with_capacity(graph.nodes.len());
        for node in &graph.nodes {
            let Some(block) = registry.find(&node.block_id) else { continue };
            if index.contains_key(node.id.as_str()) {
                continue;
            }
            index.insert(&node.id, nodes.len());
            let schema = block.wire_input_schema();
            let required = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|field| schema["properties"][*field].get("default").is_none())
                .filter(|field| !(block.descriptor().trigger.is_some() && *field == "payload"))
                .map(str::to_owned)
                .collect();
            let kind = if node.is_graph_output() {
                NodeKind::Output
            } else if let Some(sub) = crate::graph::subgraph::target(graph, node) {
                NodeKind::SubGraph(Arc::new(sub.clone()))
            } else {
                NodeKind::Block
            };
            nodes.push(PlanNode {
                id: Arc::from(node.id.as_str()),
                block_id: block.id(),
                secret: block.secret_fields().map(str::to_owned).collect(),
                defaults: node.input_default.clone(),
                linked: Vec::new(),
                static_linked: Vec::new(),
                required,
                outs: Vec::new(),
                kind,
                start: None,
            });
        }
        for input in graph.credentials_inputs(registry) {
            let Some(meta) = inputs.credentials.get(&input.key) else { continue };
            for (node, field) in &input.fields {
                if let Some(&at) = index.get(node.as_str()) {
                    nodes[at].defaults.insert(field.clone(), meta.clone());
                }
            }
        }
        for (node, values) in &inputs.nodes {
            if let Some(&at) = index.get(node.as_str()) {
                nodes[at].defaults.extend(values.clone());
            }
        }
        for link in &graph.links {
            let (Some(&source), Some(&sink), Ok(path)) = (
                index.get(link.source_id.as_str()),
                index.get(link.sink_id.as_str()),
                PinPath::parse(&link.source_name),
            ) else {
                continue;
            };
            let sink_node = &mut nodes[sink];
            if !sink_node.linked.contains(&link.sink_name) {
                sink_node.linked.push(link.sink_name.clone());
            }
            if link.is_static && !sink_node.static_linked.contains(&link.sink_name) {
                sink_node.static_linked.push(link.sink_name.clone());
            }
            nodes[source].outs.push(OutLink {
                source: path,
                sink,
                sink_name: link.sink_name.clone(),
                is_static: link.is_static,
            });
        }
        for (at, node) in graph.nodes.iter().filter_map(|node| Some((*index.get(node.id.as_str())?, node))) {
            let planned = &mut nodes[at];
            if node.is_graph_input() {
                let mut start = Map::new();
                if let Some(value) = node.io_name().and_then(|name| inputs.values.get(name)) {
                    start.insert("value".to_owned(), value.clone());
                }
                planned.start = Some(start);
            } else if planned.linked.is_empty() {
                planned.start = Some(Map::new());
            }
        }
        Plan { nodes }
    }
}
