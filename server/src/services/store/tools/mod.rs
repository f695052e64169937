//! The store tools (USE_TOOLS): what an assistant calls to find a store agent,
//! learn what it needs, run it, or set it up to run on a schedule or a
//! webhook. Each answers a [`ToolResponse`] whose `type` says what happened
//! and whose `message` says it in words; an agent that cannot be found or run
//! is an answer (`error`, `setup_requirements`, ...), not a failed call. Only
//! the storage failing is a [`ServiceError`].
//!
//! A store agent runs its latest version's graph version, for the caller: the
//! caller's credentials (matched by provider and kind), the caller's credits.

mod resolve;
mod response;
mod setup;
mod setup_agent;
mod setup_webhook;

use block_core::Registry;
use serde_json::json;

pub use response::*;
pub use setup::{run_agent, setup_info};
pub use setup_agent::{SetupRequest, SetupType, setup_agent};

use self::resolve::{Resolved, has_webhook_trigger, resolve, webhook_trigger};
use super::browse::{self, AgentFilter, PageRequest};
use super::publishing::published_graph;
use crate::domain::StoredGraph;
use crate::services::ServiceError;
use crate::storage::{AgentOrder, GraphStore, MarketplaceStore, StoreAgent};

/// How many agents `find-agent` answers at most.
const FOUND_AT_MOST: u32 = 10;

fn agent_info(registry: &Registry, agent: &StoreAgent, graph: Option<&StoredGraph>) -> AgentInfo {
    let latest = &agent.listing.latest;
    AgentInfo {
        id: format!("{}/{}", agent.creator.username, agent.listing.slug),
        name: latest.name.clone(),
        description: latest.description.clone(),
        source: "marketplace".to_owned(),
        in_library: false,
        creator: agent.creator.username.clone(),
        category: latest.categories.first().cloned().unwrap_or_else(|| "general".to_owned()),
        rating: agent.rating,
        runs: agent.runs,
        is_featured: agent.listing.featured,
        has_external_trigger: graph.is_some_and(|graph| has_webhook_trigger(registry, graph)),
        graph_id: agent.listing.graph_id.clone(),
    }
}

/// `find-agent`: store agents matching every word of `query`, best rated
/// first.
pub async fn find_agent<S: MarketplaceStore + GraphStore + ?Sized>(
    storage: &S,
    registry: &Registry,
    query: &str,
) -> Result<ToolResponse, ServiceError> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(ToolResponse::error("Please provide a search query", "empty_query"));
    }
    let filter =
        AgentFilter { search_query: Some(query.to_owned()), order: AgentOrder::Rating, ..AgentFilter::default() };
    let page = PageRequest { page: 1, page_size: i64::from(FOUND_AT_MOST) };
    let found = browse::agents(storage, filter, page).await?;
    if found.items.is_empty() {
        return Ok(ToolResponse::NoResults(NoResults {
            message: format!("No agents found matching '{query}'. Try different keywords or browse the marketplace."),
            session_id: None,
            suggestions: vec![
                "Try more general terms".to_owned(),
                "Browse categories in the marketplace".to_owned(),
                "Check spelling".to_owned(),
            ],
        }));
    }
    let mut agents = Vec::with_capacity(found.items.len());
    for agent in &found.items {
        let graph = published_graph(storage, registry, &agent.listing).await.ok();
        agents.push(agent_info(registry, agent, graph.as_ref()));
    }
    let title = format!("Found {} agent{} for '{query}'", agents.len(), if agents.len() == 1 { "" } else { "s" });
    Ok(ToolResponse::AgentCarousel(AgentCarousel {
        message: title.clone(),
        session_id: None,
        title,
        count: agents.len(),
        agents,
    }))
}

/// `get-agent-details`: the store agent `address` with its inputs, the
/// credentials it needs and how it can be started.
pub async fn agent_details<S: MarketplaceStore + GraphStore + ?Sized>(
    storage: &S,
    registry: &Registry,
    address: &str,
) -> Result<ToolResponse, ServiceError> {
    let Resolved { agent, graph } = match resolve(storage, registry, address).await? {
        Ok(resolved) => resolved,
        Err(answer) => return Ok(answer),
    };
    let trigger = webhook_trigger(registry, &graph);
    let webhook = trigger.is_some();
    let credentials = graph
        .graph
        .credentials_inputs(registry)
        .into_iter()
        .map(|input| CredentialsInputInfo {
            title: format!("{} credentials", input.provider),
            kind: input.types.first().cloned().unwrap_or_default(),
            provider: input.provider,
            id: input.key,
        })
        .collect();
    let latest = &agent.listing.latest;
    let details = AgentDetails {
        id: graph.id.clone(),
        name: latest.name.clone(),
        description: latest.description.clone(),
        version: graph.version,
        is_latest: true,
        in_library: false,
        is_marketplace: true,
        inputs: graph.graph.input_schema(),
        credentials,
        execution_options: ExecutionOptions { manual: !webhook, scheduled: !webhook, webhook },
        trigger_info: trigger.map(|spec| json!({"provider": spec.provider, "events": spec.events})),
        stats: json!({"runs": agent.runs, "rating": agent.rating}),
    };
    Ok(ToolResponse::AgentDetails(AgentDetailsResponse {
        message: format!("Found agent '{}'", details.name),
        session_id: None,
        user_authenticated: true,
        graph_id: graph.id.clone(),
        graph_version: graph.version,
        agent: details,
    }))
}
