//! A graph run's results in the reference's shape: its status, each node
//! execution (a child run) with its input and outputs, and the graph's outputs
//! once it completed.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::{Run, RunKind, RunStatus};
use crate::services::{AppState, ServiceError, runs};
use crate::storage::RunFilter;

/// Node runs read at once.
const PAGE: u32 = 100;

/// One node execution of a graph run.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NodeResult {
    /// The node's id in the graph.
    pub node_id: String,
    /// The node execution's id (its child run).
    pub node_exec_id: String,
    /// Its input; values of fields its block marks `secret` shown as `********`.
    #[schema(value_type = Object)]
    pub input: Value,
    /// Its outputs, `{pin: [values]}`.
    #[schema(value_type = Object)]
    pub output: Map<String, Value>,
    /// Its run's status.
    pub status: RunStatus,
}

/// A graph run's results (the reference's `GraphExecutionResult`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GraphResults {
    /// The graph run's id.
    pub execution_id: String,
    /// `QUEUED`, `RUNNING`, `COMPLETED`, `FAILED` or `TERMINATED`.
    pub status: String,
    /// Every node execution, in the order they started.
    pub nodes: Vec<NodeResult>,
    /// The graph's outputs, one `{name: value}` per value, once the run
    /// completed; `null` before, or when it did not complete.
    #[schema(value_type = Option<Vec<Object>>)]
    pub output: Option<Vec<Map<String, Value>>>,
    /// Why the run failed or stopped, if it did.
    pub error: Option<String>,
}

/// The reference's name of a run status.
pub fn reference_status(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Queued => "QUEUED",
        RunStatus::Running => "RUNNING",
        RunStatus::Completed => "COMPLETED",
        RunStatus::Failed | RunStatus::Interrupted => "FAILED",
        RunStatus::Stopped => "TERMINATED",
    }
}

/// The results of `user_id`'s run `execution_id` of graph `graph_id`: 404 when
/// the user has no such graph run.
pub async fn results(
    state: &AppState,
    user_id: &str,
    graph_id: &str,
    execution_id: &str,
) -> Result<GraphResults, ServiceError> {
    let missing =
        || ServiceError::not_found("graph_execution_not_found", format!("Graph execution #{execution_id} not found."));
    let run = match runs::get(state, user_id, execution_id).await {
        Ok(run) if run.kind == RunKind::Graph && run.block_id == graph_id => run,
        Ok(_) => return Err(missing()),
        Err(error) if error.refusal() == crate::services::Refusal::NotFound => return Err(missing()),
        Err(error) => return Err(error),
    };
    let nodes = node_runs(state, user_id, &run.id).await?;
    let output = (run.status == RunStatus::Completed).then(|| {
        let mut output = Vec::new();
        for (name, values) in &run.outputs {
            for value in values.as_array().into_iter().flatten() {
                let mut one = Map::new();
                one.insert(name.clone(), value.clone());
                output.push(one);
            }
        }
        output
    });
    Ok(GraphResults {
        execution_id: run.id,
        status: reference_status(run.status).to_owned(),
        nodes: nodes
            .into_iter()
            .map(|node| NodeResult {
                node_id: node.source_ref.unwrap_or_default(),
                node_exec_id: node.id,
                input: node.input,
                output: node.outputs,
                status: node.status,
            })
            .collect(),
        output,
        error: run.error,
    })
}

/// The node runs of graph run `id`, oldest first.
async fn node_runs(state: &AppState, user_id: &str, id: &str) -> Result<Vec<Run>, ServiceError> {
    let filter = RunFilter { parent_id: Some(id.to_owned()), kind: Some(RunKind::GraphNode), ..RunFilter::default() };
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = runs::list(state, user_id, &filter, cursor.as_deref(), PAGE).await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    all.reverse();
    Ok(all)
}
