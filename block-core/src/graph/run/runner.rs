//! How one node execution runs: the pluggable step between the graph executor
//! and the block executor.

use serde_json::Value;
use uuid::Uuid;

use crate::registry::RegisteredBlock;
use crate::{ExecuteError, Executor, OutputEvent, RunOptions};

/// The outputs of one node execution, in order; the `error` pin fails it.
pub type NodeOutputs = crate::BoxStream<'static, OutputEvent>;

/// One node execution the graph executor asks for.
#[derive(Debug)]
pub struct NodeRequest<'a> {
    /// The graph run's id.
    pub graph_execution_id: Uuid,
    /// The node's id.
    pub node_id: &'a str,
    /// The node's block.
    pub block: &'a RegisteredBlock,
    /// The node's input: preset values, link values and graph credentials, dynamic
    /// pins merged into their fields.
    pub input: Value,
    /// The user, the per-node timeout, and the execution id chosen for this node
    /// execution (the id its events carry).
    pub options: RunOptions,
}

/// Why a node execution did not start; it fails the node.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NodeRunError {
    /// The block executor refused the execution (invalid input, unusable
    /// credentials, disabled block, a backend down).
    #[error(transparent)]
    Execute(#[from] ExecuteError),
    /// The runner refused it for a reason of its own (not enough credits, ...).
    #[error("{reason}")]
    Refused {
        /// Why; shown in the node's error.
        reason: String,
    },
}

/// Runs node executions. The graph executor calls it once per node execution and
/// reads the outputs it returns; dropping them must stop the execution.
///
/// [`InProcessRunner`] runs each one through the block [`Executor`] (input
/// validation, credentials, timeout, panic isolation). A server can wrap it to run
/// each node as a child run: record it under `request.options.execution_id`,
/// charge the block's cost, then start it.
#[crate::async_trait]
pub trait NodeRunner: Send + Sync + 'static {
    /// Starts one node execution.
    async fn run(&self, request: NodeRequest<'_>) -> Result<NodeOutputs, NodeRunError>;
}

/// Runs node executions in this process through a block [`Executor`].
#[derive(Debug, Clone, Default)]
pub struct InProcessRunner {
    executor: Executor,
}

impl InProcessRunner {
    /// Runs nodes through `executor` (its credential store, HTTP transport and
    /// policy, OAuth handlers apply to every node).
    pub fn new(executor: Executor) -> Self {
        InProcessRunner { executor }
    }
}

#[crate::async_trait]
impl NodeRunner for InProcessRunner {
    async fn run(&self, request: NodeRequest<'_>) -> Result<NodeOutputs, NodeRunError> {
        let execution = self.executor.execute(request.block, request.input, request.options).await?;
        Ok(Box::pin(execution))
    }
}
