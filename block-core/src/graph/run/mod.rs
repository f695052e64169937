//! The in-process graph executor.
//!
//! It follows the reference platform's semantics:
//!
//! - A node execution starts when every input it needs has a value: each linked
//!   input (from its link, or a static link's last value) and every required field
//!   (those may also come from the node's preset values or the field's default).
//! - Each value arriving on a non-static link feeds one execution of its sink: it
//!   completes the oldest waiting execution that lacks that input, or begins a new
//!   one. A list iterator emitting N items therefore runs its sink N times.
//! - A static link keeps its last value for every later execution of its sink (and
//!   gives it to those already waiting).
//! - Graph input nodes and nodes without links into them start the run.
//! - A node whose block emits `error` (or that cannot start) fails that execution;
//!   the other branches go on, and the run ends `FAILED` listing every failure.
//! - Loops are allowed; a run that starts more node executions than its limit ends
//!   `FAILED` saying so.
//!
//! Node executions go through a [`NodeRunner`] ([`InProcessRunner`], the block
//! [`Executor`]'s prepare/start, by default), at most
//! [`with_max_concurrency`](GraphExecutor::with_max_concurrency) at a time, each
//! under the per-node timeout. Dropping the [`GraphRun`] or calling
//! [`CancelHandle::cancel`] stops the run and every node execution in it.

mod coordinator;
mod events;
mod node_task;
mod plan;
mod runner;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

pub use events::{
    CancelHandle, GraphEvent, GraphOutcome, GraphRun, GraphRunStatus, NodeExecution, NodeFailure, NodeStatus,
};
pub use runner::{InProcessRunner, NodeOutputs, NodeRequest, NodeRunError, NodeRunner};

use super::{Graph, GraphError, GraphInputs};
use crate::executor::new_execution_id;
use crate::registry::SharedRegistry;
use crate::{Executor, RunOptions};

/// Runs graphs in this process. Cheap to clone.
///
/// ```
/// # use block_core::graph::{Graph, GraphExecutor, GraphInputs};
/// # use block_core::{Executor, Registry, RunOptions};
/// # async fn demo(graph: Graph) -> Result<(), Box<dyn std::error::Error>> {
/// let graphs = GraphExecutor::new(Registry::global()?, Executor::new());
/// let outcome = graphs.start(&graph, GraphInputs::new(), RunOptions::default())?.collect().await;
/// println!("{:?}: {:?}", outcome.status, outcome.outputs);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct GraphExecutor {
    registry: SharedRegistry,
    runner: Arc<dyn NodeRunner>,
    max_concurrency: usize,
    node_timeout: Option<Duration>,
    max_node_executions: u64,
    channel_capacity: usize,
}

impl std::fmt::Debug for GraphExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphExecutor")
            .field("max_concurrency", &self.max_concurrency)
            .field("node_timeout", &self.node_timeout)
            .field("max_node_executions", &self.max_node_executions)
            .finish_non_exhaustive()
    }
}

/// Why a graph run did not start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The graph, or the inputs given for the run, have problems; all are listed.
    #[error(transparent)]
    Invalid(#[from] GraphError),
    /// No tokio runtime is running on this thread.
    #[error("graph runs need a tokio runtime; start them from within one")]
    NoRuntime,
    /// No run id could be made (the system's random source failed).
    #[error("the run could not be started: {0}")]
    Unavailable(String),
}

impl GraphExecutor {
    /// Runs graphs of `registry`'s blocks through `executor` ([`InProcessRunner`]),
    /// 16 node executions at a time, at most 100,000 per run, each node under the
    /// executor's timeout.
    pub fn new(registry: impl Into<SharedRegistry>, executor: Executor) -> Self {
        GraphExecutor {
            registry: registry.into(),
            runner: Arc::new(InProcessRunner::new(executor)),
            max_concurrency: 16,
            node_timeout: None,
            max_node_executions: 100_000,
            channel_capacity: 64,
        }
    }

    /// Runs node executions through `runner` instead.
    pub fn with_runner(mut self, runner: Arc<dyn NodeRunner>) -> Self {
        self.runner = runner;
        self
    }

    /// At most `limit` node executions of one run at a time (at least 1).
    pub fn with_max_concurrency(mut self, limit: usize) -> Self {
        self.max_concurrency = limit.max(1);
        self
    }

    /// Each node execution's timeout (the block executor's own by default).
    pub fn with_node_timeout(mut self, timeout: Duration) -> Self {
        self.node_timeout = Some(timeout);
        self
    }

    /// Ends a run `FAILED` once it would start more than `limit` node executions.
    pub fn with_max_node_executions(mut self, limit: u64) -> Self {
        self.max_node_executions = limit;
        self
    }

    /// The registry whose blocks the graphs use.
    pub fn registry(&self) -> &SharedRegistry {
        &self.registry
    }

    /// Checks `graph` and `inputs` ([`Graph::validate_run`]) and starts the run.
    /// `options` name the user the nodes run for, the run's id (a fresh UUID v7
    /// otherwise) and, with `timeout`, each node's timeout.
    pub fn start(&self, graph: &Graph, inputs: GraphInputs, options: RunOptions) -> Result<GraphRun, StartError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| StartError::NoRuntime)?;
        graph.validate_run(&self.registry, &inputs)?;
        let id = match options.execution_id {
            Some(id) => id,
            None => new_execution_id().map_err(|error| StartError::Unavailable(error.to_string()))?,
        };
        let mut executor = self.clone();
        if let Some(timeout) = options.timeout {
            executor.node_timeout = Some(timeout);
        }
        let plan = plan::Plan::new(graph, &self.registry, &inputs);
        let (events, receiver) = mpsc::channel(self.channel_capacity);
        let coordinator = coordinator::Coordinator {
            executor,
            plan,
            graph_execution_id: id,
            user_id: options.user_id,
            credentials: inputs.credentials,
            events,
        };
        let task = runtime.spawn(coordinator.run());
        Ok(GraphRun::new(id, receiver, task))
    }
}
