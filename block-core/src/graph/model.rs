//! The graph model in the reference platform's JSON shape.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An agent: nodes (each one block with its preset inputs) and links (an output pin
/// of one node feeding an input field of another).
///
/// The JSON shape is the reference platform's, so an agent it exports loads as is
/// (once its nodes name blocks this registry knows); fields this model does not use
/// (`user_id`, `input_links` of nodes, UI data, ...) are ignored.
///
/// ```
/// use block_core::graph::Graph;
///
/// let graph: Graph = block_core::serde_json::from_str(r#"{
///     "id": "3f1c...", "version": 2, "name": "Adder",
///     "nodes": [{"id": "a", "block_id": "470bd006-adb0-48de-a0d9-b3a7de19568b",
///                "input_default": {"a": 1, "b": 2}, "metadata": {"position": {"x": 0, "y": 0}}}],
///     "links": [],
///     "forked_from_id": null
/// }"#)?;
/// assert_eq!(graph.nodes[0].input_default["a"], 1);
/// # Ok::<(), block_core::serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    /// The graph's id (any string; the reference uses UUIDs).
    #[serde(default)]
    pub id: String,
    /// The version, counted from 1.
    #[serde(default = "first_version")]
    pub version: u32,
    /// Whether this version is the one that runs.
    #[serde(default = "yes")]
    pub is_active: bool,
    /// The agent's name.
    #[serde(default)]
    pub name: String,
    /// What the agent does.
    #[serde(default)]
    pub description: String,
    /// The nodes, each one block.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// The links between nodes.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Graphs that nodes of this one run as sub-graphs (the reference exports them
    /// beside the graph).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_graphs: Vec<Graph>,
}

/// One node: a block with the values of the input fields no link fills.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The node's id, unique in its graph.
    pub id: String,
    /// The id of the node's block.
    pub block_id: String,
    /// Input field values used when no link gives one (credentials as their meta
    /// object `{id, provider, type, title}`).
    #[serde(default)]
    pub input_default: Map<String, Value>,
    /// Opaque to the engine: UI position and the like, kept as given.
    #[serde(default = "empty_object")]
    pub metadata: Value,
}

/// A link: output pin `source_name` of node `source_id` feeds input field
/// `sink_name` of node `sink_id`.
///
/// Either name may address a part of a value (see [`PinPath`](super::PinPath)):
/// `source_name = "result_#_name"` sends the `name` key of the `result` pin's
/// object; `sink_name = "values_#_name"` sets the `name` key of the `values`
/// input's object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The link's id (generated ones are fine; problems name links by it).
    #[serde(default)]
    pub id: String,
    /// The node whose output feeds the link.
    pub source_id: String,
    /// The node whose input the link fills.
    pub sink_id: String,
    /// The output pin (or a part of it).
    pub source_name: String,
    /// The input field (or a part of it).
    pub sink_name: String,
    /// A static link keeps its last value for every later execution of its sink,
    /// instead of feeding one execution per value.
    #[serde(default)]
    pub is_static: bool,
}

impl Graph {
    /// A new, empty graph named `name` (version 1, active).
    pub fn new(name: impl Into<String>) -> Self {
        Graph {
            id: String::new(),
            version: 1,
            is_active: true,
            name: name.into(),
            description: String::new(),
            nodes: Vec::new(),
            links: Vec::new(),
            sub_graphs: Vec::new(),
        }
    }

    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.id == id)
    }

    /// The links into node `id`.
    pub fn links_into<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Link> + 'a {
        self.links.iter().filter(move |link| link.sink_id == id)
    }

    /// The sub-graph with this id and version (any version when `version` is
    /// `None`, the highest first).
    pub fn sub_graph(&self, id: &str, version: Option<u32>) -> Option<&Graph> {
        self.sub_graphs
            .iter()
            .filter(|graph| graph.id == id && version.is_none_or(|wanted| graph.version == wanted))
            .max_by_key(|graph| graph.version)
    }
}

impl Node {
    /// A node of block `block_id` with no preset inputs.
    pub fn new(id: impl Into<String>, block_id: impl Into<String>) -> Self {
        Node { id: id.into(), block_id: block_id.into(), input_default: Map::new(), metadata: empty_object() }
    }

    /// Sets the preset value of input field `field`.
    pub fn with_input(mut self, field: impl Into<String>, value: Value) -> Self {
        self.input_default.insert(field.into(), value);
        self
    }
}

impl Link {
    /// A non-static link from `source_id`'s pin `source_name` to `sink_id`'s field
    /// `sink_name`, with an id made of its ends.
    pub fn new(
        source_id: impl Into<String>,
        source_name: impl Into<String>,
        sink_id: impl Into<String>,
        sink_name: impl Into<String>,
    ) -> Self {
        let (source_id, source_name, sink_id, sink_name) =
            (source_id.into(), source_name.into(), sink_id.into(), sink_name.into());
        Link {
            id: format!("{source_id}.{source_name}->{sink_id}.{sink_name}"),
            source_id,
            sink_id,
            source_name,
            sink_name,
            is_static: false,
        }
    }

    /// Makes the link static.
    pub fn static_link(mut self) -> Self {
        self.is_static = true;
        self
    }
}

impl std::fmt::Display for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = if self.id.is_empty() { "(no id)" } else { self.id.as_str() };
        write!(f, "link {id} ({}.{} -> {}.{})", self.source_id, self.source_name, self.sink_id, self.sink_name)
    }
}

fn first_version() -> u32 {
    1
}

fn yes() -> bool {
    true
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loads_a_reference_export_ignoring_fields_it_does_not_use() {
        let exported = json!({
            "id": "g1", "version": 3, "is_active": false, "name": "N", "description": "D",
            "user_id": "u", "forked_from_id": null, "has_webhook_trigger": false,
            "nodes": [{
                "id": "n1", "block_id": "b1", "input_default": {"x": 1},
                "metadata": {"position": {"x": 1.5, "y": 2}}, "input_links": [], "output_links": [],
                "graph_id": "g1", "graph_version": 3, "webhook_id": null
            }],
            "links": [{"id": "l1", "source_id": "n1", "sink_id": "n2", "source_name": "out",
                       "sink_name": "in", "is_static": true, "graph_id": "g1"}]
        });
        let graph: Graph = serde_json::from_value(exported).unwrap();
        assert_eq!((graph.version, graph.is_active), (3, false));
        assert_eq!(graph.nodes[0].metadata["position"]["x"], 1.5);
        assert!(graph.links[0].is_static);
    }

    #[test]
    fn missing_optional_parts_take_their_defaults() {
        let graph: Graph = serde_json::from_value(json!({
            "nodes": [{"id": "n", "block_id": "b"}],
            "links": [{"source_id": "n", "sink_id": "m", "source_name": "a", "sink_name": "b"}]
        }))
        .unwrap();
        assert_eq!((graph.version, graph.is_active), (1, true));
        assert_eq!(graph.nodes[0].metadata, json!({}));
        assert!(!graph.links[0].is_static);
        assert_eq!(graph.links[0].to_string(), "link (no id) (n.a -> m.b)");
    }

    #[test]
    fn round_trips_through_json() {
        let mut graph = Graph::new("Chain");
        graph.nodes.push(Node::new("a", "b1").with_input("x", json!(2)));
        graph.links.push(Link::new("a", "out", "b", "in").static_link());
        let back: Graph = serde_json::from_value(serde_json::to_value(&graph).unwrap()).unwrap();
        assert_eq!(back, graph);
        assert_eq!(back.links[0].id, "a.out->b.in");
    }
}
