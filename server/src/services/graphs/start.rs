//! Starting a graph run: the graph and the run's inputs checked together (every
//! problem listed), the values of secret graph inputs sealed, and the run
//! queued for a worker, answered at once.

use std::collections::BTreeMap;

use block_core::graph::GraphInputs;
use serde_json::{Map, Value};

use super::{get, invalid_graph};
use crate::domain::{GraphRunInput, Run, RunKind, RunSource, RunStatus, StoredGraph, new_run_id, now_millis};
use crate::services::{AppState, ServiceError, run_input};

/// What a graph run is asked with.
#[derive(Debug, Clone)]
pub struct GraphRunRequest {
    /// Who it runs for: whose credentials its nodes use and whose credits they
    /// spend.
    pub user_id: String,
    /// The graph.
    pub graph_id: String,
    /// The version to run; the active one when `None`.
    pub version: Option<u32>,
    /// Values of the graph's inputs, by name (the reference's `node_input`).
    pub node_input: Map<String, Value>,
    /// Stored credentials (meta objects `{id, provider, type}`) for the graph's
    /// credentials inputs, by key (see `Graph::credentials_input_schema`).
    pub credentials_inputs: Map<String, Value>,
    /// What starts it.
    pub source: RunSource,
    /// The delivery, schedule or request that starts it.
    pub source_ref: Option<String>,
    /// Where to post the run record when it ends.
    pub callback_url: Option<String>,
    /// Input values of single nodes over their presets, by node id: how a
    /// webhook trigger node gets its delivery's `payload`.
    pub nodes_input_masks: BTreeMap<String, Map<String, Value>>,
}

impl GraphRunRequest {
    /// A run of the active version of `user_id`'s graph `graph_id` with
    /// `node_input`, started by `source`.
    pub fn new(user_id: &str, graph_id: &str, node_input: Map<String, Value>, source: RunSource) -> Self {
        GraphRunRequest {
            user_id: user_id.to_owned(),
            graph_id: graph_id.to_owned(),
            version: None,
            node_input,
            credentials_inputs: Map::new(),
            source,
            source_ref: None,
            callback_url: None,
            nodes_input_masks: BTreeMap::new(),
        }
    }
}

/// Queues a run of the caller's graph (`request.graph_id`, at `request.version`
/// or the active version): 404 when the user has no such graph or version, 422
/// listing every problem of the graph and of the inputs (a missing input, an
/// unknown one, credentials inputs left empty) with its JSON pointer. Answers
/// at once with the queued run (kind `graph`); a worker runs it, each node
/// execution a child run charged at its block's cost when it starts.
pub async fn start_run(state: &AppState, request: GraphRunRequest) -> Result<Run, ServiceError> {
    let graph = get(state.storage().as_ref(), &request.user_id, &request.graph_id, request.version).await?;
    start_stored_run(state, &graph, request).await
}

/// [`start_run`] of a graph version already loaded, whoever owns it (a graph
/// another user published, once the caller may run it): `request.graph_id`
/// and `request.version` are not looked at.
pub async fn start_stored_run(
    state: &AppState,
    graph: &StoredGraph,
    request: GraphRunRequest,
) -> Result<Run, ServiceError> {
    let run = run_record(state, graph, request)?;
    state.storage().create_runs(vec![run.clone()]).await?;
    state.run_hub().wake();
    Ok(crate::services::runs::shown(state, run))
}

/// The queued record of a run of `request`'s graph, not stored yet (for a
/// caller that stores it in a transaction of its own, as a schedule's fire
/// does); checked as [`start_run`] checks it. Wake the workers once it is
/// stored.
pub async fn queued_record(state: &AppState, request: GraphRunRequest) -> Result<Run, ServiceError> {
    let graph = get(state.storage().as_ref(), &request.user_id, &request.graph_id, request.version).await?;
    run_record(state, &graph, request)
}

fn run_record(state: &AppState, graph: &StoredGraph, request: GraphRunRequest) -> Result<Run, ServiceError> {
    let inputs = GraphInputs {
        values: request.node_input,
        credentials: request.credentials_inputs,
        nodes: request.nodes_input_masks,
    };
    graph.graph.validate_run(state.registry(), &inputs).map_err(|error| invalid_graph(&graph.graph, &error))?;
    let mut node_input = inputs.values;
    for node in graph.graph.input_nodes() {
        let secret = node.input_default.get("secret").and_then(Value::as_bool).unwrap_or(false);
        if let (true, Some(name)) = (secret, node.io_name())
            && let Some(value) = node_input.get_mut(name)
        {
            run_input::seal_value(state.cipher(), value)?;
        }
    }
    let input = GraphRunInput {
        graph_version: graph.version,
        node_input,
        credentials_inputs: inputs.credentials,
        nodes_input_masks: inputs.nodes,
    };
    let input = serde_json::to_value(&input).map_err(|error| ServiceError::internal("recording a graph run", error))?;
    let run = Run {
        id: new_run_id().to_string(),
        kind: RunKind::Graph,
        user_id: request.user_id,
        block_id: graph.id.clone(),
        parent_id: None,
        source: request.source,
        source_ref: request.source_ref,
        status: RunStatus::Queued,
        input,
        outputs: Map::new(),
        truncated: Vec::new(),
        error: None,
        charged: 0,
        created_at: now_millis(),
        started_at: None,
        finished_at: None,
        callback_url: request.callback_url,
    };
    Ok(run)
}

/// A graph run's input as stored, read back; `None` when the record is not a
/// graph run's.
pub fn graph_input_of(run: &Run) -> Option<GraphRunInput> {
    if run.kind != RunKind::Graph {
        return None;
    }
    serde_json::from_value(run.input.clone()).ok()
}
