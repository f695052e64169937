//! What a graph run reports while it runs, and how it ended.

use std::borrow::Cow;
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinHandle};
use uuid::Uuid;

/// How a graph run ended, with the reference's wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GraphRunStatus {
    /// Every node execution completed.
    Completed,
    /// A node execution failed, or the run hit its node-execution limit.
    Failed,
    /// The run was stopped.
    Terminated,
}

/// How one node execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NodeStatus {
    /// The block finished without an error.
    Completed,
    /// The block failed, or its execution could not start.
    Failed,
}

/// One node execution's failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeFailure {
    /// The node.
    pub node_id: String,
    /// The node execution.
    #[serde(serialize_with = "as_text")]
    pub execution_id: Uuid,
    /// What went wrong (the `error` pin's message).
    pub error: String,
}

impl std::fmt::Display for NodeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "node {}: {}", self.node_id, self.error)
    }
}

/// Something that happened in a graph run, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum GraphEvent {
    /// A node execution starts with this input. Fields its block marks `secret`
    /// hold what was given: mask them before showing or storing the input.
    NodeStarted {
        /// The node.
        #[serde(serialize_with = "as_text")]
        node_id: Arc<str>,
        /// The node execution's id.
        #[serde(serialize_with = "as_text")]
        execution_id: Uuid,
        /// Its input.
        input: Value,
    },
    /// A node execution emitted a value on a pin.
    NodeOutput {
        /// The node.
        #[serde(serialize_with = "as_text")]
        node_id: Arc<str>,
        /// The node execution's id.
        #[serde(serialize_with = "as_text")]
        execution_id: Uuid,
        /// The pin.
        pin: Cow<'static, str>,
        /// The value.
        value: Value,
    },
    /// A node execution ended.
    NodeEnded {
        /// The node.
        #[serde(serialize_with = "as_text")]
        node_id: Arc<str>,
        /// The node execution's id.
        #[serde(serialize_with = "as_text")]
        execution_id: Uuid,
        /// How.
        status: NodeStatus,
        /// The error, when it failed.
        error: Option<String>,
    },
    /// A graph output got a value.
    Output {
        /// The output's name.
        name: String,
        /// The value.
        value: Value,
    },
    /// The run ended; the last event.
    RunEnded {
        /// How.
        status: GraphRunStatus,
        /// Every node execution's failure.
        errors: Vec<NodeFailure>,
        /// Why the run itself stopped early (the node-execution limit, a stop), if
        /// it did.
        reason: Option<String>,
        /// How many node executions started.
        node_executions: u64,
    },
}

/// A running graph: a stream of [`GraphEvent`]s ending with
/// [`RunEnded`](GraphEvent::RunEnded). Dropping it stops the run and every node
/// execution in it.
#[derive(Debug)]
pub struct GraphRun {
    id: Uuid,
    events: mpsc::Receiver<GraphEvent>,
    task: JoinHandle<()>,
    cancelled: Arc<AtomicBool>,
    ended: bool,
}

/// Stops a graph run from anywhere; cheap to clone.
#[derive(Debug, Clone)]
pub struct CancelHandle {
    task: AbortHandle,
    cancelled: Arc<AtomicBool>,
}

impl CancelHandle {
    /// Stops the run and every node execution in it; the run ends
    /// [`Terminated`](GraphRunStatus::Terminated). Stopping an ended run does
    /// nothing.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.task.abort();
    }
}

impl GraphRun {
    pub(super) fn new(id: Uuid, events: mpsc::Receiver<GraphEvent>, task: JoinHandle<()>) -> Self {
        GraphRun { id, events, task, cancelled: Arc::new(AtomicBool::new(false)), ended: false }
    }

    /// The graph run's id.
    pub fn execution_id(&self) -> Uuid {
        self.id
    }

    /// A handle that stops the run.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle { task: self.task.abort_handle(), cancelled: self.cancelled.clone() }
    }

    /// The next event; `None` after [`RunEnded`](GraphEvent::RunEnded).
    pub async fn next_event(&mut self) -> Option<GraphEvent> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<GraphEvent>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match self.events.poll_recv(cx) {
            Poll::Ready(Some(event)) => {
                self.ended = matches!(event, GraphEvent::RunEnded { .. });
                Poll::Ready(Some(event))
            }
            Poll::Ready(None) => {
                // The coordinator stopped without its last event: it was stopped.
                self.ended = true;
                let cancelled = self.cancelled.load(Ordering::SeqCst);
                Poll::Ready(Some(GraphEvent::RunEnded {
                    status: if cancelled { GraphRunStatus::Terminated } else { GraphRunStatus::Failed },
                    errors: Vec::new(),
                    reason: Some(
                        if cancelled { "the run was stopped" } else { "the graph executor stopped unexpectedly" }
                            .to_owned(),
                    ),
                    node_executions: 0,
                }))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// Waits for the run to end and gathers what it did.
    pub async fn collect(mut self) -> GraphOutcome {
        let mut outcome = GraphOutcome {
            execution_id: self.id,
            status: GraphRunStatus::Failed,
            outputs: Map::new(),
            nodes: Vec::new(),
            errors: Vec::new(),
            reason: None,
            node_executions: 0,
        };
        let mut positions = HashMap::new();
        while let Some(event) = self.next_event().await {
            outcome.record(event, &mut positions);
        }
        outcome
    }
}

impl Stream for GraphRun {
    type Item = GraphEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<GraphEvent>> {
        self.poll_event(cx)
    }
}

impl Drop for GraphRun {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One node execution as the run recorded it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeExecution {
    /// The node.
    pub node_id: String,
    /// The node execution's id.
    #[serde(serialize_with = "as_text")]
    pub execution_id: Uuid,
    /// Its input.
    pub input: Value,
    /// Its outputs, `{pin: [values]}`.
    pub output: Map<String, Value>,
    /// How it ended; `None` if the run stopped while it ran.
    pub status: Option<NodeStatus>,
}

/// What a graph run did: [`GraphRun::collect`]'s result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphOutcome {
    /// The graph run's id.
    #[serde(serialize_with = "as_text")]
    pub execution_id: Uuid,
    /// How it ended.
    pub status: GraphRunStatus,
    /// The graph's outputs by name, each with its values in the order they came.
    pub outputs: Map<String, Value>,
    /// Every node execution, in the order they started.
    pub nodes: Vec<NodeExecution>,
    /// Every node execution's failure.
    pub errors: Vec<NodeFailure>,
    /// Why the run stopped early, if it did.
    pub reason: Option<String>,
    /// How many node executions started.
    pub node_executions: u64,
}

impl GraphOutcome {
    /// The values of graph output `name`.
    pub fn output(&self, name: &str) -> &[Value] {
        self.outputs.get(name).and_then(Value::as_array).map_or(&[], Vec::as_slice)
    }

    /// The executions of node `id`.
    pub fn executions_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a NodeExecution> + 'a {
        self.nodes.iter().filter(move |node| node.node_id == id)
    }

    fn record(&mut self, event: GraphEvent, positions: &mut HashMap<Uuid, usize>) {
        match event {
            GraphEvent::NodeStarted { node_id, execution_id, input } => {
                positions.insert(execution_id, self.nodes.len());
                self.nodes.push(NodeExecution {
                    node_id: node_id.to_string(),
                    execution_id,
                    input,
                    output: Map::new(),
                    status: None,
                });
            }
            GraphEvent::NodeOutput { execution_id, pin, value, .. } => {
                if let Some(node) = positions.get(&execution_id).and_then(|&at| self.nodes.get_mut(at)) {
                    push(&mut node.output, &pin, value);
                }
            }
            GraphEvent::NodeEnded { execution_id, status, .. } => {
                if let Some(node) = positions.get(&execution_id).and_then(|&at| self.nodes.get_mut(at)) {
                    node.status = Some(status);
                }
            }
            GraphEvent::Output { name, value } => push(&mut self.outputs, &name, value),
            GraphEvent::RunEnded { status, errors, reason, node_executions } => {
                self.status = status;
                self.errors = errors;
                self.reason = reason;
                self.node_executions = node_executions.max(self.nodes.len() as u64);
            }
        }
    }
}

fn push(map: &mut Map<String, Value>, key: &str, value: Value) {
    match map.get_mut(key) {
        Some(Value::Array(values)) => values.push(value),
        _ => {
            map.insert(key.to_owned(), Value::Array(vec![value]));
        }
    }
}

/// Ids and shared strings on the wire: as their text.
fn as_text<T: std::fmt::Display, S: serde::Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_serialize_with_their_kind_and_ids_as_text() {
        let id = Uuid::from_u128(1);
        let started = GraphEvent::NodeStarted { node_id: Arc::from("n1"), execution_id: id, input: json!({"a": 1}) };
        assert_eq!(
            serde_json::to_value(&started).unwrap(),
            json!({"event": "node_started", "node_id": "n1", "execution_id": id.to_string(), "input": {"a": 1}})
        );
        let ended = GraphEvent::RunEnded {
            status: GraphRunStatus::Terminated,
            errors: vec![],
            reason: Some("the run was stopped".into()),
            node_executions: 3,
        };
        assert_eq!(
            serde_json::to_value(&ended).unwrap(),
            json!({"event": "run_ended", "status": "TERMINATED", "errors": [], "reason": "the run was stopped", "node_executions": 3})
        );
    }
}
