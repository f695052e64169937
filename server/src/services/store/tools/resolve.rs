//! Finding the store agent a tool is asked about, and what starts it.

use block_core::{Registry, TriggerSpec};

use super::response::ToolResponse;
use crate::domain::StoredGraph;
use crate::services::store::publishing::published_graph;
use crate::services::store::split_address;
use crate::services::{Refusal, ServiceError};
use crate::storage::{GraphStore, MarketplaceStore, StoreAgent};

/// A store agent and the graph version it runs, or the answer saying why not.
pub(super) struct Resolved {
    /// The store agent.
    pub(super) agent: StoreAgent,
    /// The graph version it runs.
    pub(super) graph: StoredGraph,
}

/// The store agent `address` (`username/slug`) and its graph, as the store
/// serves it (no preset credentials ids).
pub(super) async fn resolve<S: MarketplaceStore + GraphStore + ?Sized>(
    storage: &S,
    registry: &Registry,
    address: &str,
) -> Result<Result<Resolved, ToolResponse>, ServiceError> {
    let Some((username, slug)) = split_address(address) else {
        return Ok(Err(ToolResponse::error(
            "Please provide an agent ID in format 'creator/agent-name'",
            "invalid_agent_slug",
        )));
    };
    let Some(agent) = storage.store_agent(&username, &slug).await? else {
        return Ok(Err(ToolResponse::error(format!("Agent '{username}/{slug}' not found"), "agent_not_found")));
    };
    match published_graph(storage, registry, &agent.listing).await {
        Ok(graph) => Ok(Ok(Resolved { agent, graph })),
        Err(error) if error.refusal() == Refusal::NotFound => {
            Ok(Err(ToolResponse::error(error.message().to_owned(), "graph_not_found")))
        }
        Err(error) => Err(error),
    }
}

/// The webhook trigger block of `graph` (a node of a block a provider's
/// webhook starts), if it has one: a webhook starts such a graph.
pub(super) fn webhook_trigger<'r>(registry: &'r Registry, graph: &StoredGraph) -> Option<&'r TriggerSpec> {
    graph
        .graph
        .nodes
        .iter()
        .filter_map(|node| registry.find(&node.block_id))
        .find_map(|block| block.descriptor().trigger.as_ref())
}

pub(super) fn has_webhook_trigger(registry: &Registry, graph: &StoredGraph) -> bool {
    webhook_trigger(registry, graph).is_some()
}
