//! One node execution, as a stream of messages the coordinator polls: it starts
//! the node through the runner (or runs its sub-graph), passes its outputs on, and
//! ends with how it ended. Dropping the stream stops the execution.

use std::borrow::Cow;
use std::pin::Pin;
use std::sync::Arc;

use futures_core::Stream;
use futures_util::StreamExt;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::GraphExecutor;
use super::events::{GraphEvent, GraphRun, GraphRunStatus};
use super::runner::{NodeOutputs, NodeRequest};
use crate::graph::{Graph, GraphInputs};
use crate::{OutputEvent, RunOptions};

/// What a node execution tells the coordinator.
pub(super) enum NodeMessage {
    Output { key: u64, pin: Cow<'static, str>, value: Value },
    Ended { key: u64, error: Option<String> },
}

pub(super) type NodeStream = Pin<Box<dyn Stream<Item = NodeMessage> + Send>>;

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
}

enum Step {
    Start(Box<Job>),
    Block { key: u64, outputs: NodeOutputs, error: Option<String> },
    SubGraph { key: u64, name: String, child: Box<GraphRun> },
    Done,
}

impl Job {
    /// The execution as a stream; nothing starts until it is polled.
    pub fn into_stream(self) -> NodeStream {
        Box::pin(futures_util::stream::unfold(Step::Start(Box::new(self)), |step| async move {
            let mut step = step;
            loop {
                step = match step {
                    Step::Start(job) => job.start().await,
                    Step::Block { key, mut outputs, mut error } => match outputs.next().await {
                        Some(event) if event.name == OutputEvent::ERROR => {
                            error = Some(event.value.as_str().map_or_else(|| event.value.to_string(), str::to_owned));
                            Step::Block { key, outputs, error }
                        }
                        Some(event) => {
                            let message =
                                NodeMessage::Output { key, pin: Cow::Borrowed(event.name), value: event.value };
                            return Some((message, Step::Block { key, outputs, error }));
                        }
                        None => return Some((NodeMessage::Ended { key, error }, Step::Done)),
                    },
                    Step::SubGraph { key, name, mut child } => match child.next_event().await {
                        Some(GraphEvent::Output { name: output, value }) => {
                            let message = NodeMessage::Output { key, pin: Cow::Owned(output), value };
                            return Some((message, Step::SubGraph { key, name, child }));
                        }
                        Some(GraphEvent::RunEnded { status, errors, reason, .. }) => {
                            let error = (status != GraphRunStatus::Completed).then(|| {
                                let mut causes: Vec<String> = errors.iter().map(ToString::to_string).collect();
                                causes.extend(reason);
                                format!("the sub-graph `{name}` failed: {}", causes.join("; "))
                            });
                            return Some((NodeMessage::Ended { key, error }, Step::Done));
                        }
                        Some(_) => Step::SubGraph { key, name, child },
                        None => return Some((NodeMessage::Ended { key, error: None }, Step::Done)),
                    },
                    Step::Done => return None,
                };
                if let Step::Done = step {
                    return None;
                }
            }
        }))
    }

    /// Starts the execution: the next step, or its end when it cannot start.
    async fn start(self: Box<Self>) -> Step {
        let key = self.key;
        let ended = |error: String| Step::Block {
            key,
            outputs: Box::pin(futures_util::stream::iter([OutputEvent::error(error)])),
            error: None,
        };
        if let Some(graph) = &self.sub_graph {
            return match self.start_sub_graph(graph) {
                Ok(child) => Step::SubGraph { key, name: graph.name.clone(), child: Box::new(child) },
                Err(error) => ended(error),
            };
        }
        let registry = self.executor.registry.clone();
        let Some(block) = registry.by_id(self.block_id) else {
            return ended(format!("block {} is not registered", self.block_id));
        };
        let options = RunOptions {
            user_id: self.user_id,
            timeout: self.executor.node_timeout,
            execution_id: Some(self.execution_id),
        };
        let request = NodeRequest {
            graph_execution_id: self.graph_execution_id,
            node_id: &self.node_id,
            block,
            input: self.input,
            options,
        };
        match self.executor.runner.run(request).await {
            Ok(outputs) => Step::Block { key, outputs, error: None },
            Err(error) => ended(error.to_string()),
        }
    }

    /// Starts the sub-graph with the node's `inputs` and the parent run's
    /// credentials; each of its outputs is an output of the node, on the pin of the
    /// output's name.
    fn start_sub_graph(&self, graph: &Graph) -> Result<GraphRun, String> {
        let mut values = match self.input.get("inputs") {
            Some(Value::Object(values)) => values.clone(),
            _ => Map::new(),
        };
        // Links may fill the sub-graph's inputs by their names, beside the node's
        // own fields.
        for name in graph.input_nodes().filter_map(|node| node.io_name()) {
            if let Some(value) = self.input.get(name) {
                values.insert(name.to_owned(), value.clone());
            }
        }
        let inputs = GraphInputs { values, credentials: self.credentials.clone(), ..GraphInputs::default() };
        // The node execution's id is the sub-graph run's, so that its own node
        // executions' ids are derived from it the same way on a resumed run.
        let options =
            RunOptions { user_id: self.user_id.clone(), timeout: None, execution_id: Some(self.execution_id) };
        self.executor
            .start(graph, inputs, options)
            .map_err(|error| format!("the sub-graph `{}` cannot start: {error}", graph.name))
    }
}
