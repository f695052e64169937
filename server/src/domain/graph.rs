//! Stored graphs (agents): each graph a user saves keeps every version, one of
//! which is active (the one that runs when no version is named). The graph
//! itself is block-core's model, in the reference's JSON shape.

use block_core::Registry;
use block_core::graph::Graph;

/// One version of a user's graph, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredGraph {
    /// The graph's id (a UUID v4), the same for every version.
    pub id: String,
    /// This version, counted from 1.
    pub version: u32,
    /// Whose graph it is.
    pub user_id: String,
    /// This version's name.
    pub name: String,
    /// This version's description.
    pub description: String,
    /// The nodes and links of this version (its `id`, `version`, `is_active`,
    /// `name` and `description` are the stored ones).
    pub graph: Graph,
    /// The version that runs when none is named.
    pub active_version: u32,
    /// The highest version.
    pub latest_version: u32,
    /// When the graph (its first version) was created, Unix milliseconds.
    pub created_at: i64,
    /// When this version was saved, Unix milliseconds.
    pub updated_at: i64,
}

impl StoredGraph {
    /// Whether this version is the active one.
    pub fn is_active(&self) -> bool {
        self.version == self.active_version
    }

    /// This version as the store shows it and as anyone but its owner runs it:
    /// credentials its owner preset in its nodes (and in its sub-graphs' nodes)
    /// name the owner's own stored credentials, so each keeps what it needs
    /// (`provider`, `type`) but not which of the owner's it was (`id`,
    /// `title`). Those fields then become the graph's credentials inputs,
    /// filled with the runner's own credentials. Nodes of blocks `registry`
    /// does not know are left as they are (such a graph does not run).
    pub fn without_preset_credentials(mut self, registry: &Registry) -> StoredGraph {
        strip_preset_credentials(&mut self.graph, registry);
        self
    }
}

fn strip_preset_credentials(graph: &mut Graph, registry: &Registry) {
    for node in &mut graph.nodes {
        let Some(block) = registry.find(&node.block_id) else { continue };
        for field in block.credential_fields() {
            if let Some(serde_json::Value::Object(meta)) = node.input_default.get_mut(&field.name) {
                meta.remove("id");
                meta.remove("title");
            }
        }
    }
    for sub_graph in &mut graph.sub_graphs {
        strip_preset_credentials(sub_graph, registry);
    }
}

/// A version to store: what a save gives.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphVersion {
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its nodes and links.
    pub graph: Graph,
    /// When it was saved, Unix milliseconds.
    pub saved_at: i64,
}

/// What a graph run's record holds as its input: the version it runs, the
/// values of the graph's inputs (secret ones sealed while stored, masked when
/// shown), the credentials chosen for its credentials inputs (meta objects
/// only), and the values given to single nodes (a webhook trigger node's
/// delivered `payload`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GraphRunInput {
    /// The graph version the run runs.
    pub graph_version: u32,
    /// Values of the graph's inputs, by name.
    #[serde(default)]
    pub node_input: serde_json::Map<String, serde_json::Value>,
    /// Credentials meta objects, by graph credentials input key.
    #[serde(default)]
    pub credentials_inputs: serde_json::Map<String, serde_json::Value>,
    /// Input values of single nodes over their presets, by node id (the
    /// reference's `nodes_input_masks`): a webhook trigger node's input with
    /// its delivery's `payload`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub nodes_input_masks: std::collections::BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
}
