//! Node executions of a graph run as child runs: each one recorded (kind
//! `graph_node`, its parent the graph run, its node id as `source_ref`),
//! charged at its block's cost when it starts, and followed like any run. The
//! first one the balance cannot cover is refused, and tells the graph run to
//! stop: nothing more is charged.
//!
//! On a storage shared by processes, node executions are queued like any run,
//! so that every worker takes its share of a graph run node by node; the
//! graph run reads each one's outputs back as they are stored. A graph run
//! resumed by another worker (its first one died) finds the node runs it had
//! started under the same ids (derived from what they are) and reads their
//! outputs back instead of running them again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use block_core::graph::{NodeOutputs, NodeRequest, NodeRunError, NodeRunner};
use serde_json::Value;

use super::NewRun;
use super::driver::{RunDriver, Start};
use super::hub::StopSignal;
use crate::domain::{RunKind, RunSource, RunStatus};
use crate::services::{AppState, Refusal};

/// What the node runs of one graph run share with it.
#[derive(Debug, Clone, Default)]
pub(super) struct NodeLedger {
    /// Raised when a node was refused for want of credits.
    pub out_of_credits: StopSignal,
    /// Why, once raised.
    pub reason: Arc<Mutex<Option<String>>>,
    /// Credits the ended node runs were charged in all.
    pub charged: Arc<AtomicU64>,
}

impl NodeLedger {
    /// Why the graph run stopped for want of credits, if it did.
    pub fn refusal(&self) -> Option<String> {
        self.reason.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Runs a graph run's node executions as its child runs.
pub(super) struct NodeRuns {
    pub state: AppState,
    pub graph_run_id: String,
    pub user_id: String,
    pub ledger: NodeLedger,
    /// Queue node runs for any worker (a storage shared by processes), rather
    /// than run them here.
    pub queued: bool,
    /// The graph run had started before (on a worker that died): node runs may
    /// already be recorded.
    pub resumed: bool,
}

#[block_core::async_trait]
impl NodeRunner for NodeRuns {
    async fn run(&self, request: NodeRequest<'_>) -> Result<NodeOutputs, NodeRunError> {
        if let Some(reason) = self.ledger.refusal() {
            return Err(NodeRunError::Refused { reason });
        }
        let new = NewRun {
            user_id: self.user_id.clone(),
            kind: RunKind::GraphNode,
            source: RunSource::Graph,
            source_ref: Some(request.node_id.to_owned()),
            parent_id: Some(self.graph_run_id.clone()),
            callback_url: None,
        };
        let id = request.options.execution_id.map(|id| id.to_string());
        if self.resumed
            && let Some(id) = &id
        {
            match self.state.storage().run(&self.user_id, id).await {
                Ok(Some(_)) => return Ok(self.recorded(id, request.block)),
                Ok(None) => {}
                Err(error) => {
                    return Err(NodeRunError::Refused { reason: format!("the node run could not be read: {error}") });
                }
            }
        }
        if self.queued {
            return self.enqueue(new, id, request.block, request.input).await;
        }
        let mut run = new.record(request.block, Value::Null, RunStatus::Running);
        if let Some(id) = id {
            run.id = id;
        }
        match RunDriver::start(&self.state, run, request.block, request.input, Start::InlineSpawned).await {
            Ok(driver) => {
                let charged = self.ledger.charged.clone();
                Ok(Box::pin(futures_util::stream::unfold(Some(driver), move |driver| {
                    let charged = charged.clone();
                    async move {
                        let mut driver = driver?;
                        match driver.next().await {
                            Some((_, event)) => Some((event, Some(driver))),
                            None => {
                                let ended = driver.finish().await;
                                charged.fetch_add(ended.charged, Ordering::Relaxed);
                                None
                            }
                        }
                    }
                })))
            }
            Err(refusal) => {
                let reason = refusal.message().to_owned();
                if refusal.refusal() == Refusal::PaymentRequired {
                    self.ledger.reason.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(reason.clone());
                    self.ledger.out_of_credits.stop();
                }
                Err(NodeRunError::Refused { reason })
            }
        }
    }
}

impl NodeRuns {
    /// Queues the node execution as a child run for any worker; its outputs as
    /// they are stored.
    async fn enqueue(
        &self,
        new: NewRun,
        id: Option<String>,
        block: &block_core::RegisteredBlock,
        input: Value,
    ) -> Result<NodeOutputs, NodeRunError> {
        let refused = |reason: String| NodeRunError::Refused { reason };
        let mut queued =
            super::queued_record(&self.state, new, block, input).map_err(|e| refused(e.message().to_owned()))?;
        if let Some(id) = id {
            queued.run.id = id;
        }
        let run_id = queued.run.id.clone();
        // Announced to every process alike by the storage (this one's workers
        // are not woken first), so that node runs spread over the workers.
        if let Err(error) = self.state.storage().create_runs(vec![queued.run]).await {
            // Queued first by another worker running this graph run (its lease
            // lapsed here and it was resumed there while this one went on):
            // both read the same node run back, which runs once.
            match self.state.storage().run(&self.user_id, &run_id).await {
                Ok(Some(_)) => {
                    tracing::warn!(run = %run_id, "a node run was queued by another worker of its graph run")
                }
                _ => return Err(refused(error.to_string())),
            }
        }
        Ok(self.recorded(&run_id, block))
    }

    /// The outputs of node run `id`, read back as they are stored.
    fn recorded(&self, id: &str, block: &block_core::RegisteredBlock) -> NodeOutputs {
        super::graph_node_follow::node_outputs(&self.state, &self.user_id, id, block, self.ledger.clone())
    }
}
