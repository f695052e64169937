//! Webhooks (their secrets sealed) and the trigger subscriptions on them.

use block_core::webhooks::{GraphTarget, Subscription};
use serde_json::{Map, Value, json};

use crate::domain::{Run, WebhookRow};

use super::StorageError;

/// Webhooks and subscriptions.
#[async_trait::async_trait]
pub trait WebhookRows: Send + Sync + 'static {
    /// The webhook `id`.
    async fn webhook(&self, id: &str) -> Result<Option<WebhookRow>, StorageError>;

    /// A webhook with the same provider, owner, resource, credentials, kind and
    /// events (in any order) as `like`.
    async fn find_reusable_webhook(&self, like: &WebhookRow) -> Result<Option<WebhookRow>, StorageError>;

    /// Every webhook of `provider` on `resource`.
    async fn webhooks_on(&self, provider: &str, resource: &str) -> Result<Vec<WebhookRow>, StorageError>;

    /// Every webhook of `owner`.
    async fn webhooks_of(&self, owner: &str) -> Result<Vec<WebhookRow>, StorageError>;

    /// Creates or replaces a webhook.
    async fn put_webhook(&self, webhook: WebhookRow) -> Result<(), StorageError>;

    /// Deletes a webhook and its subscriptions.
    async fn delete_webhook(&self, id: &str) -> Result<(), StorageError>;

    /// The subscriptions on webhook `webhook_id`, by id.
    async fn subscriptions(&self, webhook_id: &str) -> Result<Vec<Subscription>, StorageError>;

    /// Every subscription of `owner`, by id.
    async fn subscriptions_of(&self, owner: &str) -> Result<Vec<Subscription>, StorageError>;

    /// Creates or replaces a subscription.
    async fn put_subscription(&self, subscription: Subscription) -> Result<(), StorageError>;

    /// Deletes `owner`'s subscription `id`, returning it.
    async fn delete_subscription(&self, owner: &str, id: &str) -> Result<Option<Subscription>, StorageError>;

    /// Keeps delivery `delivery_id` of webhook `webhook_id` and queues its
    /// trigger `runs`, in one transaction; `false` (and nothing queued) when that
    /// delivery was taken before.
    async fn record_delivery(
        &self,
        webhook_id: &str,
        delivery_id: &str,
        event: &str,
        runs: Vec<Run>,
        at: i64,
    ) -> Result<bool, StorageError>;
}

/// A subscription's graph target as its columns keep it: graph id, version,
/// trigger node id, and the run's inputs as JSON text
/// (`{"node_input": .., "credentials_inputs": ..}`); all `None` for a block
/// trigger.
pub(crate) type TargetColumns = (Option<String>, Option<i64>, Option<String>, Option<String>);

/// The columns of `target`.
pub(crate) fn target_columns(target: Option<&GraphTarget>) -> TargetColumns {
    let Some(target) = target else { return (None, None, None, None) };
    let inputs = json!({"node_input": target.node_input, "credentials_inputs": target.credentials_inputs});
    (
        Some(target.graph_id.clone()),
        Some(i64::from(target.graph_version)),
        Some(target.node_id.clone()),
        Some(inputs.to_string()),
    )
}

/// The graph target its columns keep; why they cannot be read, as text.
pub(crate) fn target_of(columns: TargetColumns) -> Result<Option<GraphTarget>, String> {
    let (graph_id, version, node_id, inputs) = columns;
    let Some(graph_id) = graph_id else { return Ok(None) };
    let version = version.and_then(|version| u32::try_from(version).ok());
    let (Some(graph_version), Some(node_id), Some(inputs)) = (version, node_id, inputs) else {
        return Err(format!("the graph trigger of graph `{graph_id}` lacks its version, node or inputs"));
    };
    let inputs: Value =
        serde_json::from_str(&inputs).map_err(|error| format!("a graph trigger's inputs are not JSON: {error}"))?;
    let part = |key: &str| match inputs.get(key) {
        Some(Value::Object(values)) => values.clone(),
        _ => Map::new(),
    };
    Ok(Some(GraphTarget {
        graph_id,
        graph_version,
        node_id,
        node_input: part("node_input"),
        credentials_inputs: part("credentials_inputs"),
    }))
}
