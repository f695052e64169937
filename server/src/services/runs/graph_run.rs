//! A claimed graph run from its start to its end: the graph version it names
//! loaded, its secret inputs opened, then block-core's graph executor run with
//! every node execution a child run ([`NodeRuns`]). Each node's start, outputs
//! and end, and each graph output, become events of the graph run (node inputs
//! with their secret fields masked), so that a client follows its progress;
//! the graph outputs are its outputs. A stop stops every node run; a node the
//! credits cannot cover ends the graph run failed, and nothing more is charged.
//!
//! On a storage shared by processes, a graph run whose worker died is queued
//! again and resumed by another: node runs already recorded are read back, not
//! run again, and events already stored are not stored twice.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use block_core::graph::{GraphEvent, GraphExecutor, GraphInputs, GraphRunStatus};
use block_core::{RunOptions, Uuid};
use serde_json::{Map, Value, json};

use super::graph_nodes::{NodeLedger, NodeRuns};
use crate::domain::{GraphRunInput, Run, RunEvent, RunStatus, StoredGraph, now_millis};
use crate::services::{AppState, run_input};
use crate::storage::{Admission, RunEnd};

/// Event names of a graph run (beside `run.end`).
pub mod events {
    /// A node execution started: `{node_id, execution_id, block_id, input}`.
    pub const NODE_STARTED: &str = "node.started";
    /// A node execution emitted a value: `{node_id, execution_id, pin, value}`.
    pub const NODE_OUTPUT: &str = "node.output";
    /// A node execution ended: `{node_id, execution_id, status, error}`.
    pub const NODE_ENDED: &str = "node.ended";
    /// A graph output got a value: `{name, value}`.
    pub const GRAPH_OUTPUT: &str = "graph.output";
}

/// Node executions of one graph run at a time.
const NODE_CONCURRENCY: usize = 16;

struct Recorder {
    state: AppState,
    run_id: String,
    seq: u64,
    live: super::hub::LiveEvents,
    outputs: Map<String, Value>,
    truncated: Vec<String>,
    budget: usize,
    /// Events a resumed run's first worker stored, by name and data: the same
    /// event emitted again (a node execution read back) is not stored twice.
    stored: HashMap<(String, String), usize>,
}

impl Recorder {
    /// Continues after the events stored before (a resumed run).
    async fn resume(&mut self) -> Result<(), String> {
        loop {
            let page = self
                .state
                .storage()
                .events(&self.run_id, self.seq, 256)
                .await
                .map_err(|error| format!("the graph run's events could not be read: {error}"))?;
            let Some(last) = page.last() else { return Ok(()) };
            self.seq = last.seq;
            for event in page {
                *self.stored.entry((event.name, event.data.to_string())).or_default() += 1;
            }
        }
    }

    fn emit(&mut self, name: &str, data: Value) {
        if !self.stored.is_empty()
            && let Some(count) = self.stored.get_mut(&(name.to_owned(), data.to_string()))
            && *count > 0
        {
            *count -= 1;
            return;
        }
        self.seq += 1;
        let event =
            RunEvent { run_id: self.run_id.clone(), seq: self.seq, name: name.to_owned(), data, at: now_millis() };
        self.state.storage().append_events_later(vec![event.clone()]);
        self.live.send(event);
    }

    fn keep_output(&mut self, name: &str, value: &Value) -> bool {
        let size = serde_json::to_vec(value).map_or(usize::MAX, |bytes| bytes.len());
        let values = self.outputs.entry(name.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
        if size > self.budget {
            self.budget = 0;
            if !self.truncated.iter().any(|pin| pin == name) {
                self.truncated.push(name.to_owned());
            }
            return false;
        }
        self.budget -= size;
        if let Value::Array(values) = values {
            values.push(value.clone());
        }
        true
    }
}

/// Runs claimed graph run `run` to its end.
pub(super) async fn run_graph(state: &AppState, run: Run) {
    let (stop, live) = state.run_hub().hold(&run.id);
    let mut recorder = Recorder {
        state: state.clone(),
        run_id: run.id.clone(),
        seq: 0,
        live,
        outputs: Map::new(),
        truncated: Vec::new(),
        budget: state.settings().run_output_cap_bytes,
        stored: HashMap::new(),
    };
    // Started before: its worker died, and it was queued again.
    let resumed = run.started_at.is_some();
    if resumed && let Err(message) = recorder.resume().await {
        tracing::error!(run = %run.id, %message, "resuming a graph run failed; its lease will expire");
        state.run_hub().release(&run.id);
        return;
    }
    let (graph, inputs) = match load(state, &run).await {
        Ok(loaded) => loaded,
        Err(message) => return end(&mut recorder, &run, RunStatus::Failed, Some(message), 0).await,
    };
    match state.storage().start_run(&run.id, state.run_hub().worker(), 0, &format!("run graph {}", graph.name)).await {
        Ok(Admission::Started) => {}
        Ok(Admission::NotHeld) => {
            tracing::warn!(run = %run.id, "a graph run's lease was lost before it started; left to its new holder");
            state.run_hub().release(&run.id);
            return;
        }
        Ok(Admission::Insufficient { .. }) => {
            return end(&mut recorder, &run, RunStatus::Failed, Some("the run could not start".to_owned()), 0).await;
        }
        Err(error) => {
            tracing::error!(%error, run = %run.id, "starting a graph run failed; its lease will expire");
            state.run_hub().release(&run.id);
            return;
        }
    }
    let ledger = NodeLedger::default();
    let runner = NodeRuns {
        state: state.clone(),
        graph_run_id: run.id.clone(),
        user_id: run.user_id.clone(),
        ledger: ledger.clone(),
        queued: state.storage().shared_by_processes(),
        resumed,
    };
    let executor = GraphExecutor::new(state.shared_registry().clone(), state.executor().clone())
        .with_runner(Arc::new(runner))
        .with_max_concurrency(NODE_CONCURRENCY);
    let options =
        RunOptions { user_id: Some(run.user_id.clone()), timeout: None, execution_id: Uuid::parse_str(&run.id).ok() };
    let mut execution = match executor.start(&graph.graph, inputs, options) {
        Ok(execution) => execution,
        Err(error) => {
            let message = format!("the graph could not start: {error}");
            return end(&mut recorder, &run, RunStatus::Failed, Some(message), 0).await;
        }
    };
    let (status, error) = loop {
        let event = tokio::select! {
            biased;
            () = stop.stopped() => break (RunStatus::Stopped, Some("stopped".to_owned())),
            () = ledger.out_of_credits.stopped() => {
                let reason = ledger.refusal().unwrap_or_default();
                break (RunStatus::Failed, Some(format!("the graph run stopped: {reason}")));
            }
            event = execution.next_event() => event,
        };
        let Some(event) = event else { break (RunStatus::Failed, Some("the graph run ended unexpectedly".to_owned())) };
        if let Some(ended) = record(state, &graph, &mut recorder, event) {
            break ended;
        }
    };
    // Dropping the execution stops every node run still going (each recorded
    // as stopped).
    drop(execution);
    let charged = ledger.charged.load(Ordering::Relaxed);
    end(&mut recorder, &run, status, error, charged).await;
}

/// The graph version and the inputs the run names (someone else's graph
/// without its preset credentials); why not, as its error.
async fn load(state: &AppState, run: &Run) -> Result<(StoredGraph, GraphInputs), String> {
    let input: GraphRunInput = serde_json::from_value(run.input.clone())
        .map_err(|error| format!("the graph run's stored input is unreadable: {error}"))?;
    let graph = state
        .storage()
        .graph_by_id(&run.block_id, Some(input.graph_version))
        .await
        .map_err(|error| format!("the graph could not be read: {error}"))?
        .ok_or_else(|| format!("graph `{}` version {} no longer exists", run.block_id, input.graph_version))?;
    // Someone else's graph (a store agent) runs with the runner's credentials,
    // never with those its owner preset: their ids name the owner's.
    let graph = if graph.user_id == run.user_id { graph } else { graph.without_preset_credentials(state.registry()) };
    let mut values = input.node_input;
    for (name, value) in &mut values {
        run_input::unseal_value(state.cipher(), name, value)?;
    }
    let inputs = GraphInputs { values, credentials: input.credentials_inputs, nodes: input.nodes_input_masks };
    Ok((graph, inputs))
}

/// Records one event of the graph execution; how the run ended, on its last.
fn record(
    state: &AppState,
    graph: &StoredGraph,
    recorder: &mut Recorder,
    event: GraphEvent,
) -> Option<(RunStatus, Option<String>)> {
    match event {
        GraphEvent::NodeStarted { node_id, execution_id, mut input } => {
            let block = graph.graph.node(&node_id).and_then(|node| state.registry().find(&node.block_id));
            if let Some(block) = block {
                run_input::mask(block, &mut input);
            }
            let block_id = block.map(|block| block.id());
            let data = json!({"node_id": &*node_id, "execution_id": execution_id.to_string(), "block_id": block_id, "input": input});
            recorder.emit(events::NODE_STARTED, data);
        }
        GraphEvent::NodeOutput { node_id, execution_id, pin, value } => {
            let data =
                json!({"node_id": &*node_id, "execution_id": execution_id.to_string(), "pin": pin, "value": value});
            recorder.emit(events::NODE_OUTPUT, data);
        }
        GraphEvent::NodeEnded { node_id, execution_id, status, error } => {
            let data = json!({"node_id": &*node_id, "execution_id": execution_id.to_string(), "status": status, "error": error});
            recorder.emit(events::NODE_ENDED, data);
        }
        GraphEvent::Output { name, value } => {
            let kept = recorder.keep_output(&name, &value);
            let value = if kept { value } else { json!({"truncated": true}) };
            recorder.emit(events::GRAPH_OUTPUT, json!({"name": name, "value": value}));
        }
        GraphEvent::RunEnded { status, errors, reason, .. } => {
            let mut causes: Vec<String> = errors.iter().map(ToString::to_string).collect();
            causes.extend(reason);
            let error = (!causes.is_empty()).then(|| causes.join("; "));
            let status = match status {
                GraphRunStatus::Completed => RunStatus::Completed,
                GraphRunStatus::Terminated => RunStatus::Stopped,
                _ => RunStatus::Failed,
            };
            return Some((status, error));
        }
        _ => {}
    }
    None
}

/// Records the end of the graph run: its status, outputs and error, then the
/// `run.end` event (`charged` there is what its node runs were charged), and
/// its completion callback.
async fn end(recorder: &mut Recorder, run: &Run, status: RunStatus, error: Option<String>, node_charges: u64) {
    let state = recorder.state.clone();
    let finished_at = now_millis();
    recorder.emit(RunEvent::END, json!({"status": status, "error": error, "charged": 0, "node_charges": node_charges}));
    let end = RunEnd {
        id: run.id.clone(),
        status,
        outputs: recorder.outputs.clone(),
        truncated: recorder.truncated.clone(),
        error: error.clone(),
        charged: 0,
        finished_at,
    };
    if let Err(error) = state.storage().finish_run(end).await {
        tracing::error!(%error, run = %run.id, "recording a graph run's end failed");
    }
    state.run_hub().release(&run.id);
    let mut ended = run.clone();
    ended.status = status;
    ended.outputs = recorder.outputs.clone();
    ended.truncated = recorder.truncated.clone();
    ended.error = error;
    ended.finished_at = Some(finished_at);
    super::callbacks::schedule(&state, &ended).await;
}
