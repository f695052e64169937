//! The caller's graphs (agents) as tools, beside the blocks: one per graph, at
//! its active version, for a caller holding EXECUTE_GRAPH. Their names start
//! with `agent_` and end with the first eight hex digits of the graph's id, so
//! they stay unique, and stable while the graph is renamed in versions (block
//! tools are looked up first; none is named so).
//! A call runs the graph on the run engine and answers its outputs.

use std::future::Future;
use std::sync::Arc;

use block_core::credentials::CredentialStore;
use futures_util::StreamExt;
use serde_json::{Map, Value, json};

use super::catalogue::{ToolEntry, ToolTarget, tool_name};
use super::schema;
use crate::domain::{Caller, RunEvent, RunSource, RunStatus, Scope, StoredGraph};
use crate::services::graphs::{self, GraphRunRequest};
use crate::services::runs::{self, graph_events};
use crate::services::{AppState, Refusal, ServiceError};

/// The prefix of every agent tool's name.
pub const PREFIX: &str = "agent_";

/// How an agent tool's call ended.
#[derive(Debug, Clone)]
pub struct AgentOutcome {
    /// The graph run's id.
    pub run_id: String,
    /// The graph's name.
    pub graph: String,
    /// The graph's outputs, `{name: [values]}`.
    pub outputs: Value,
    /// Why the run failed or stopped, if it did.
    pub error: Option<String>,
}

/// The tools of `caller`'s graphs (none without EXECUTE_GRAPH), but those a
/// webhook starts.
pub async fn tools_of(state: &AppState, caller: &Caller) -> Result<Vec<ToolEntry>, ServiceError> {
    if !caller.may(Scope::ExecuteGraph) {
        return Ok(Vec::new());
    }
    let graphs = graphs::list(state.storage().as_ref(), &caller.user.id).await?;
    // A graph a webhook trigger node starts runs on deliveries, not on a call.
    let callable = graphs.iter().filter(|stored| stored.graph.trigger_nodes(state.registry()).next().is_none());
    Ok(callable.map(agent_tool).collect())
}

/// `caller`'s agent tool named `name`, if there is one.
pub async fn find(state: &AppState, caller: &Caller, name: &str) -> Result<Option<ToolEntry>, ServiceError> {
    if !name.starts_with(PREFIX) {
        return Ok(None);
    }
    Ok(tools_of(state, caller).await?.into_iter().find(|tool| tool.name == name))
}

fn agent_tool(stored: &StoredGraph) -> ToolEntry {
    let suffix = format!("_{}", &stored.id.replace('-', "")[..8.min(stored.id.len())]);
    let mut name = format!("{PREFIX}{}", tool_name(&stored.name));
    name.truncate(64 - suffix.len());
    name.push_str(&suffix);
    let input_schema = schema::strict(&stored.graph.input_schema(), &[]);
    let mut outputs = Map::new();
    if let Some(properties) = stored.graph.output_schema().get("properties").and_then(Value::as_object) {
        for (output, output_schema) in properties {
            let items = Value::Object(schema::strict_sub(output_schema));
            outputs.insert(output.clone(), json!({"type": "array", "items": items}));
        }
    }
    let output_schema = json!({
        "type": "object",
        "description": "Every value each graph output got, in order: {name: [values]}.",
        "properties": outputs,
    });
    let description = if stored.description.trim().is_empty() {
        format!("Runs the agent {}.", stored.name)
    } else {
        stored.description.clone()
    };
    ToolEntry {
        name,
        title: stored.name.clone(),
        description,
        input_schema: Arc::new(input_schema),
        output_schema: Arc::new(output_schema.as_object().cloned().unwrap_or_default()),
        target: ToolTarget::Graph { id: stored.id.clone(), version: stored.version },
        scope: Scope::ExecuteGraph,
    }
}

/// Runs agent tool `graph_id` at `version` for `caller` on `arguments` (the
/// graph's inputs), its credentials inputs filled with the caller's stored
/// credentials; `on_event` hears each node event while it runs. When
/// `cancelled` resolves first, the run is stopped.
pub async fn call<F, Fut>(
    state: &AppState,
    caller: &Caller,
    (graph_id, version): (&str, u32),
    arguments: Map<String, Value>,
    mut on_event: F,
    cancelled: impl Future<Output = ()>,
) -> Result<AgentOutcome, ServiceError>
where
    F: FnMut(u64, &RunEvent) -> Fut,
    Fut: Future<Output = ()>,
{
    let stored = graphs::get(state.storage().as_ref(), &caller.user.id, graph_id, Some(version)).await?;
    let request = GraphRunRequest {
        version: Some(version),
        credentials_inputs: credentials_inputs(state, caller, &stored).await?,
        ..GraphRunRequest::new(&caller.user.id, graph_id, arguments, RunSource::Mcp)
    };
    let run = graphs::start_stored_run(state, &stored, request).await?;
    let events = runs::follow(state.clone(), run.id.clone(), 0);
    tokio::pin!(events);
    tokio::pin!(cancelled);
    loop {
        tokio::select! {
            biased;
            () = &mut cancelled => {
                // Stopped here or by the worker holding it; either way it ends.
                let _ = runs::stop(state, &caller.user.id, &run.id).await;
                break;
            }
            next = events.next() => match next {
                Some(Ok(event)) if event.name == RunEvent::END => break,
                Some(Ok(event)) => {
                    if event.name.starts_with("node.") || event.name == graph_events::GRAPH_OUTPUT {
                        on_event(event.seq, &event).await;
                    }
                }
                Some(Err(error)) => return Err(error),
                None => break,
            },
        }
    }
    // The end is recorded before its event is sent; a stop asked here may take
    // a moment to be.
    let mut ended = runs::get(state, &caller.user.id, &run.id).await?;
    for _ in 0..50 {
        if ended.status.is_final() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        ended = runs::get(state, &caller.user.id, &run.id).await?;
    }
    let error = match ended.status {
        RunStatus::Completed => None,
        _ => Some(ended.error.clone().unwrap_or_else(|| format!("the run ended {}", ended.status.as_str()))),
    };
    Ok(AgentOutcome { run_id: ended.id, graph: stored.name, outputs: Value::Object(ended.outputs), error })
}

/// The caller's credentials for each of the graph's credentials inputs: their
/// own for its provider and kinds first, else the platform's; a required one
/// nobody has is refused, naming the provider.
async fn credentials_inputs(
    state: &AppState,
    caller: &Caller,
    stored: &StoredGraph,
) -> Result<Map<String, Value>, ServiceError> {
    let inputs = stored.graph.credentials_inputs(state.registry());
    let mut chosen = Map::new();
    if inputs.is_empty() {
        return Ok(chosen);
    }
    let store = state.credentials();
    let available = store.list(&caller.user.id).await?;
    for input in inputs {
        let usable = |meta: &&block_core::credentials::CredentialsMeta| {
            meta.provider == input.provider && input.types.iter().any(|kind| kind == meta.kind.as_str())
        };
        let own = available.iter().filter(usable).find(|meta| !store.is_platform(&meta.id));
        match own.or_else(|| available.iter().find(usable)) {
            Some(meta) => {
                let meta = serde_json::to_value(meta)
                    .map_err(|error| ServiceError::internal("writing a credentials meta object", error))?;
                chosen.insert(input.key.clone(), meta);
            }
            None if input.required => {
                return Err(ServiceError::new(
                    Refusal::Invalid,
                    "missing_credentials",
                    format!(
                        "the agent {} needs `{}` credentials ({}) and you have none: store them with POST \
                         {}/external-api/v1/integrations/{}/credentials",
                        stored.name,
                        input.provider,
                        input.types.join(" or "),
                        state.settings().public_url,
                        input.provider
                    ),
                ));
            }
            None => {}
        }
    }
    Ok(chosen)
}
