//! Webhook triggers that start graphs: a graph whose trigger node (a node of a
//! webhook trigger block) is subscribed to a webhook runs on each delivery of
//! the events that node asks for. The node gets the delivery's `payload` (its
//! other inputs from its `input_default`, with the subscriber's values over
//! them), and its outputs feed the rest of the graph along the links.
//!
//! A delivery queues one graph run per such subscription in the transaction
//! that keeps the delivery (so a redelivery runs nothing); each node execution
//! is charged when it starts, as in every graph run.

use std::collections::BTreeMap;

use block_core::webhooks::{GraphTarget, PlannedTrigger};
use block_core::{RegisteredBlock, SecretString};
use serde_json::{Map, Value, json};

use super::graphs::{self, GraphRunRequest};
use super::triggers::{self, Subscribed, TriggerOptions, check_trigger_input, trigger_credentials, webhook_error};
use super::{AppState, Refusal, ServiceError, run_input};
use crate::domain::{Run, RunSource, StoredGraph};

/// A graph to subscribe to a webhook through its trigger node.
#[derive(Debug, Clone, Default)]
pub struct GraphTrigger {
    /// Values of the trigger node's inputs over its `input_default` (its event
    /// filter, what it watches, its credentials), without `payload`.
    pub node_values: Map<String, Value>,
    /// Values of the graph's inputs, by name, for every run.
    pub node_input: Map<String, Value>,
    /// Credentials (meta objects) for the graph's credentials inputs, by key.
    pub credentials_inputs: Map<String, Value>,
}

/// Subscribes `owner`'s graph `graph_id` at `version` (the active one when
/// `None`): 404 when they have no such graph or version; 422 naming the node
/// when the graph has no webhook trigger node or more than one, and listing
/// every problem a delivery's run would meet (inputs, credentials).
pub async fn subscribe(
    state: &AppState,
    owner: &str,
    graph_id: &str,
    version: Option<u32>,
    trigger: GraphTrigger,
    how: TriggerOptions,
) -> Result<Subscribed, ServiceError> {
    let graph = graphs::get(state.storage().as_ref(), owner, graph_id, version).await?;
    subscribe_stored(state, owner, &graph, trigger, how).await
}

/// [`subscribe`] of a graph version already loaded (one `owner` owns, e.g. a
/// store agent's copy in their library).
pub async fn subscribe_stored(
    state: &AppState,
    owner: &str,
    graph: &StoredGraph,
    trigger: GraphTrigger,
    how: TriggerOptions,
) -> Result<Subscribed, ServiceError> {
    let registry = state.registry();
    let (node_id, block) = trigger_node(state, graph)?;
    let node = graph.graph.node(&node_id).ok_or_else(|| ServiceError::internal("a trigger node", "node vanished"))?;
    if trigger.node_values.contains_key("payload") {
        return Err(invalid_at(
            "/input/payload",
            format!("node {node_id}: `payload` is what each delivery gives the trigger node; it cannot be preset"),
        ));
    }
    let mut config = node.input_default.clone();
    config.remove("payload");
    config.extend(trigger.node_values);
    // The node's credentials come from the graph's credentials inputs unless
    // the node presets its own: the subscription keeps them with its input.
    for input in graph.graph.credentials_inputs(registry) {
        let Some(meta) = trigger.credentials_inputs.get(&input.key) else { continue };
        for (at, field) in &input.fields {
            if *at == node_id && config.get(field).is_none_or(Value::is_null) {
                config.insert(field.clone(), meta.clone());
            }
        }
    }
    check_trigger_input(block, &config)?;
    let masks = delivery_masks(&node_id, &config, json!({}));
    let inputs = block_core::graph::GraphInputs {
        values: trigger.node_input.clone(),
        credentials: trigger.credentials_inputs.clone(),
        nodes: masks,
    };
    graph.graph.validate_run(registry, &inputs).map_err(|error| graphs::invalid_graph(&graph.graph, &error))?;
    let credentials = trigger_credentials(state, block, &config, how.credentials_id.as_deref(), owner).await?;
    let mut node_input = trigger.node_input;
    for input_node in graph.graph.input_nodes() {
        let secret = input_node.input_default.get("secret").and_then(Value::as_bool).unwrap_or(false);
        if let (true, Some(name)) = (secret, input_node.io_name())
            && let Some(value) = node_input.get_mut(name)
        {
            run_input::seal_value(state.cipher(), value)?;
        }
    }
    let target = GraphTarget {
        graph_id: graph.id.clone(),
        graph_version: graph.version,
        node_id,
        node_input,
        credentials_inputs: trigger.credentials_inputs,
    };
    let secret: Option<&SecretString> = how.webhook_secret.as_ref();
    let (subscription, webhook) = state
        .webhooks()
        .subscribe_graph(
            registry,
            block,
            owner,
            Value::Object(config),
            &how.resource,
            credentials.as_ref(),
            secret,
            target,
        )
        .await
        .map_err(webhook_error)?;
    Ok(Subscribed { subscription, webhook })
}

/// The graph's one webhook trigger node and its block; a 422 naming the
/// nodes when it has none or several, or the node's block when it is disabled.
pub fn trigger_node<'s>(
    state: &'s AppState,
    graph: &StoredGraph,
) -> Result<(String, &'s RegisteredBlock), ServiceError> {
    let registry = state.registry();
    let nodes: Vec<&block_core::graph::Node> = graph.graph.trigger_nodes(registry).collect();
    match nodes.as_slice() {
        [] => Err(ServiceError::new(
            Refusal::Invalid,
            "no_trigger_node",
            format!(
                "graph `{}` version {} has no webhook trigger node: add a node of a trigger block for a webhook to \
                 start it",
                graph.id, graph.version
            ),
        )),
        [node] => {
            let block = registry.find(&node.block_id).ok_or_else(|| ServiceError::unknown_block(&node.block_id))?;
            if block.descriptor().disabled {
                return Err(ServiceError::block_disabled(block.name()));
            }
            Ok((node.id.clone(), block))
        }
        several => {
            let ids: Vec<&str> = several.iter().map(|node| node.id.as_str()).collect();
            Err(ServiceError::new(
                Refusal::Invalid,
                "several_trigger_nodes",
                format!(
                    "nodes {} of graph `{}` are each a webhook trigger; a graph started by a webhook has exactly one",
                    ids.join(", "),
                    graph.id
                ),
            )
            .with_details(json!({"nodes": ids})))
        }
    }
}

fn invalid_at(path: &str, message: String) -> ServiceError {
    ServiceError::invalid_body(message.clone()).with_details(json!({"problems": [{"path": path, "message": message}]}))
}

/// The node values of a delivery's run: the trigger node's configuration with
/// the delivery's payload.
fn delivery_masks(node_id: &str, config: &Map<String, Value>, payload: Value) -> BTreeMap<String, Map<String, Value>> {
    let mut values = config.clone();
    values.insert("payload".into(), payload);
    BTreeMap::from([(node_id.to_owned(), values)])
}

/// The queued record of the graph run a delivery asks for through `planned`
/// (a subscription of a graph's trigger node), checked as every graph run is;
/// `None`, with a warning, when the subscription can no longer run (its graph
/// version deleted, its inputs no longer fitting): the delivery's other runs
/// still go.
pub(super) async fn delivery_run(
    state: &AppState,
    owner: &str,
    delivery_id: &str,
    planned: &PlannedTrigger,
    target: &GraphTarget,
) -> Result<Option<Run>, ServiceError> {
    let mut config = match &planned.input {
        Value::Object(fields) => fields.clone(),
        _ => Map::new(),
    };
    let payload = config.remove("payload").unwrap_or(Value::Null);
    let request = GraphRunRequest {
        version: Some(target.graph_version),
        credentials_inputs: target.credentials_inputs.clone(),
        source_ref: Some(delivery_id.to_owned()),
        nodes_input_masks: delivery_masks(&target.node_id, &config, payload),
        ..GraphRunRequest::new(owner, &target.graph_id, target.node_input.clone(), RunSource::Webhook)
    };
    match graphs::queued_record(state, request).await {
        Ok(run) => Ok(Some(run)),
        Err(error) if matches!(error.refusal(), Refusal::Invalid | Refusal::NotFound) => {
            tracing::warn!(
                subscription = %planned.subscription_id,
                graph = %target.graph_id,
                version = target.graph_version,
                error = %error.message(),
                "a delivery's graph trigger cannot run; nothing was queued for it"
            );
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

/// Deletes `owner`'s graph `id` with every version, after unsubscribing the
/// triggers that start it (a webhook left with none is removed, deregistered
/// at its provider): no hook keeps delivering to a graph that is gone. 404
/// when they have no such graph.
pub async fn delete_graph(state: &AppState, owner: &str, id: &str) -> Result<(), ServiceError> {
    graphs::get(state.storage().as_ref(), owner, id, None).await?;
    let subscriptions = triggers::subscriptions_of(state, owner).await?;
    for subscription in subscriptions.iter().filter(|s| s.graph.as_ref().is_some_and(|graph| graph.graph_id == id)) {
        triggers::unsubscribe_by_id(state, owner, &subscription.id).await?;
    }
    graphs::delete(state.storage().as_ref(), owner, id).await
}
