//! Graphs (agents) of each user: saved in versions (saving a change adds one;
//! one version is active), checked against the registry before each save (every
//! problem listed with where it is), and run on the durable run engine: a graph
//! run is a queued run of kind `graph`, whose node executions are child runs
//! (see [`start_run`]).
//!
//! The functions that manage graphs take the storage and the registry rather
//! than the whole state, so that the command line manages graphs on a data
//! directory the way the API does.

mod problems;
mod results;
mod start;

use block_core::Registry;
use block_core::graph::Graph;

pub use problems::invalid_graph;
pub use results::{GraphResults, NodeResult, reference_status, results};
pub use start::{GraphRunRequest, graph_input_of, start_run, start_stored_run};

use super::{Refusal, ServiceError};
use crate::domain::{GraphVersion, StoredGraph, new_id, now_millis};
use crate::storage::{ActiveVersionChange, GraphStore};

/// The longest name a graph may have, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Checks `graph` against `registry`: 422 `invalid_graph` listing every
/// problem with its JSON pointer in the graph (`/nodes/1/input_default/text`,
/// `/links/0`, ...).
pub fn validate(registry: &Registry, graph: &Graph) -> Result<(), ServiceError> {
    let name_chars = graph.name.trim().chars().count();
    if name_chars == 0 || name_chars > MAX_NAME_CHARS {
        return Err(ServiceError::new(
            Refusal::Invalid,
            "invalid_graph",
            format!("a graph's name has 1 to {MAX_NAME_CHARS} characters"),
        )
        .with_details(serde_json::json!({"problems": [{"path": "/name", "message": "a graph needs a name"}]})));
    }
    graph.validate(registry).map_err(|error| invalid_graph(graph, &error))
}

fn version_of(graph: Graph) -> GraphVersion {
    GraphVersion {
        name: graph.name.trim().to_owned(),
        description: graph.description.clone(),
        graph,
        saved_at: now_millis(),
    }
}

/// Saves `graph` as a new graph of `user_id` (version 1, active), after
/// [`validate`]. The graph gets a new id, whatever id it carried (an exported
/// agent keeps its nodes and links, not its identity).
pub async fn create<S: GraphStore + ?Sized>(
    storage: &S,
    registry: &Registry,
    user_id: &str,
    graph: Graph,
) -> Result<StoredGraph, ServiceError> {
    validate(registry, &graph)?;
    Ok(storage.create_graph(user_id, &new_id(), version_of(graph)).await?)
}

/// Saves `graph` as the next version of `user_id`'s graph `id`, after
/// [`validate`]; it becomes the active version unless the graph says
/// `"is_active": false`.
pub async fn update<S: GraphStore + ?Sized>(
    storage: &S,
    registry: &Registry,
    user_id: &str,
    id: &str,
    graph: Graph,
) -> Result<StoredGraph, ServiceError> {
    validate(registry, &graph)?;
    let activate = graph.is_active;
    storage.add_graph_version(user_id, id, version_of(graph), activate).await?.ok_or_else(|| not_found(id))
}

/// Makes `version` the active version of `user_id`'s graph `id`; returns that
/// version.
pub async fn set_active_version<S: GraphStore + ?Sized>(
    storage: &S,
    user_id: &str,
    id: &str,
    version: u32,
) -> Result<StoredGraph, ServiceError> {
    match storage.set_active_version(user_id, id, version).await? {
        ActiveVersionChange::Set => get(storage, user_id, id, Some(version)).await,
        ActiveVersionChange::NoGraph => Err(not_found(id)),
        ActiveVersionChange::NoVersion => {
            Err(ServiceError::not_found("graph_version_not_found", format!("graph `{id}` has no version {version}")))
        }
    }
}

/// `user_id`'s graph `id`: version `version`, or the active one.
pub async fn get<S: GraphStore + ?Sized>(
    storage: &S,
    user_id: &str,
    id: &str,
    version: Option<u32>,
) -> Result<StoredGraph, ServiceError> {
    match storage.graph(user_id, id, version).await? {
        Some(graph) => Ok(graph),
        None => match version {
            Some(version) if storage.graph(user_id, id, None).await?.is_some() => Err(ServiceError::not_found(
                "graph_version_not_found",
                format!("graph `{id}` has no version {version}"),
            )),
            _ => Err(not_found(id)),
        },
    }
}

/// The active version of each of `user_id`'s graphs, oldest graph first.
pub async fn list<S: GraphStore + ?Sized>(storage: &S, user_id: &str) -> Result<Vec<StoredGraph>, ServiceError> {
    Ok(storage.graphs(user_id).await?)
}

/// Every version of `user_id`'s graph `id`, newest first.
pub async fn versions<S: GraphStore + ?Sized>(
    storage: &S,
    user_id: &str,
    id: &str,
) -> Result<Vec<StoredGraph>, ServiceError> {
    let versions = storage.graph_versions(user_id, id).await?;
    if versions.is_empty() {
        return Err(not_found(id));
    }
    Ok(versions)
}

/// Deletes `user_id`'s graph `id` with every version; its runs stay.
pub async fn delete<S: GraphStore + ?Sized>(storage: &S, user_id: &str, id: &str) -> Result<(), ServiceError> {
    if storage.delete_graph(user_id, id).await? { Ok(()) } else { Err(not_found(id)) }
}

/// 404 for a graph the user does not have.
pub fn not_found(id: &str) -> ServiceError {
    ServiceError::not_found("graph_not_found", format!("no graph `{id}`"))
}
