//! One node execution, as a task: it starts the node through the runner (or runs
//! its sub-graph) and forwards its outputs to the coordinator.

use std::borrow::Cow;
use std::sync::Arc;

use futures_util::StreamExt;
use serde_json::{Map, Value};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::GraphExecutor;
use super::coordinator::NodeMessage;
use super::events::{GraphEvent, GraphRunStatus};
use super::runner::NodeRequest;
use crate::graph::{Graph, GraphInputs};
use crate::{OutputEvent, RunOptions};

pub(super) struct Job {
    pub executor: GraphExecutor,
    pub graph_execution_id: Uuid,
    pub node_id: Arc<str>,
    pub block_id: &'static str,
    pub sub_graph: Option<Arc<Graph>>,
    pub credentials: Map<String, Value>,
    pub input: Value,
    pub user_id: Option<String>,
    pub execution_id: Uuid,
    pub key: u64,
    pub tx: mpsc::Sender<NodeMessage>,
}

impl Job {
    pub async fn run(mut self) {
        let error = match self.sub_graph.take() {
            Some(graph) => self.run_sub_graph(&graph).await,
            None => self.run_block().await,
        };
        let _ = self.tx.send(NodeMessage::Ended { key: self.key, error }).await;
    }

    fn options(&self) -> RunOptions {
        RunOptions {
            user_id: self.user_id.clone(),
            timeout: self.executor.node_timeout,
            execution_id: Some(self.execution_id),
        }
    }

    async fn run_block(&mut self) -> Option<String> {
        let registry = self.executor.registry.clone();
        let Some(block) = registry.by_id(self.block_id) else {
            return Some(format!("block {} is not registered", self.block_id));
        };
        let request = NodeRequest {
            graph_execution_id: self.graph_execution_id,
            node_id: &self.node_id,
            block,
            input: std::mem::take(&mut self.input),
            options: self.options(),
        };
        let mut outputs = match self.executor.runner.run(request).await {
            Ok(outputs) => outputs,
            Err(error) => return Some(error.to_string()),
        };
        let mut error = None;
        while let Some(event) = outputs.next().await {
            if event.name == OutputEvent::ERROR {
                error = Some(event.value.as_str().map_or_else(|| event.value.to_string(), str::to_owned));
                continue;
            }
            let message = NodeMessage::Output { key: self.key, pin: Cow::Borrowed(event.name), value: event.value };
            if self.tx.send(message).await.is_err() {
                return None;
            }
        }
        error
    }

    /// Runs the sub-graph with the node's `inputs` and the parent run's
    /// credentials; each of its outputs is an output of the node, on the pin of
    /// the output's name. The child run is dropped (stopped) with this task.
    async fn run_sub_graph(&mut self, graph: &Graph) -> Option<String> {
        let values = match self.input.get("inputs") {
            Some(Value::Object(values)) => values.clone(),
            _ => Map::new(),
        };
        let inputs = GraphInputs { values, credentials: self.credentials.clone() };
        let options = RunOptions { user_id: self.user_id.clone(), timeout: None, execution_id: None };
        let mut child = match self.executor.start(graph, inputs, options) {
            Ok(child) => child,
            Err(error) => return Some(format!("the sub-graph `{}` cannot start: {error}", graph.name)),
        };
        while let Some(event) = child.next_event().await {
            match event {
                GraphEvent::Output { name, value } => {
                    let message = NodeMessage::Output { key: self.key, pin: Cow::Owned(name), value };
                    if self.tx.send(message).await.is_err() {
                        return None;
                    }
                }
                GraphEvent::RunEnded { status: GraphRunStatus::Completed, .. } => return None,
                GraphEvent::RunEnded { errors, reason, .. } => {
                    let mut causes: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    causes.extend(reason);
                    return Some(format!("the sub-graph `{}` failed: {}", graph.name, causes.join("; ")));
                }
                _ => {}
            }
        }
        None
    }
}
