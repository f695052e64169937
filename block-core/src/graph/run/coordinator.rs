//! The task that runs a graph: it routes every output along the links, keeps the
//! inputs each node execution waits on, and starts node executions as they become
//! ready, within the concurrency and node-execution limits.
//!
//! A node execution's id is derived from the graph run's id, the node, its
//! input and how many executions of that node had that same input before
//! ([`derived_execution_id`]): the same run started again (resumed by another
//! worker after its first one died) gives each node execution the id it had,
//! whatever order concurrent branches end in this time, so a runner can find
//! the executions that already ran instead of running them twice.

use std::collections::{HashMap, VecDeque};

use futures_util::StreamExt;
use futures_util::stream::SelectAll;
use serde_json::{Map, Value};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::GraphExecutor;
use super::events::{GraphEvent, GraphRunStatus, NodeFailure, NodeStatus};
use super::node_task::{self, NodeMessage, NodeStream};
use super::plan::{NodeKind, Plan};
use crate::executor::{canonical_digest, derived_execution_id};
use crate::graph::pins::merge_dynamic;

struct Running {
    node: usize,
    execution_id: Uuid,
    /// For a graph output node: the output's name.
    output_name: Option<String>,
}

pub(super) struct Coordinator {
    pub executor: GraphExecutor,
    pub plan: Plan,
    pub graph_execution_id: Uuid,
    pub user_id: Option<String>,
    pub credentials: Map<String, Value>,
    pub events: mpsc::Sender<GraphEvent>,
}

/// The run's moving parts; dropping it (the run stopped) drops every node
/// execution's stream, which stops the execution.
struct State {
    streams: SelectAll<NodeStream>,
    incomplete: Vec<VecDeque<Map<String, Value>>>,
    statics: Vec<Map<String, Value>>,
    ready: VecDeque<(usize, Map<String, Value>)>,
    running: HashMap<u64, Running>,
    next_key: u64,
    started: u64,
    failures: Vec<NodeFailure>,
    /// Executions started so far per node and input digest.
    occurrences: HashMap<(usize, [u8; 32]), u64>,
}

impl Coordinator {
    pub async fn run(self) {
        let count = self.plan.nodes.len();
        let mut state = State {
            streams: SelectAll::new(),
            incomplete: vec![VecDeque::new(); count],
            statics: vec![Map::new(); count],
            ready: VecDeque::new(),
            running: HashMap::new(),
            next_key: 0,
            started: 0,
            failures: Vec::new(),
            occurrences: HashMap::new(),
        };
        for (node, planned) in self.plan.nodes.iter().enumerate() {
            if let Some(start) = &planned.start {
                self.offer(&mut state, node, start.clone());
            }
        }
        let mut reason = None;
        loop {
            if let Err(limit) = self.dispatch(&mut state).await {
                reason = Some(limit);
                break;
            }
            if state.running.is_empty() {
                break;
            }
            let Some(message) = state.streams.next().await else { break };
            if !self.handle(&mut state, message).await {
                return;
            }
        }
        let status = if reason.is_some() || !state.failures.is_empty() {
            GraphRunStatus::Failed
        } else {
            GraphRunStatus::Completed
        };
        let ended = GraphEvent::RunEnded {
            status,
            errors: std::mem::take(&mut state.failures),
            reason,
            node_executions: state.started,
        };
        drop(state);
        let _ = self.events.send(ended).await;
    }

    /// Starts ready executions while there is room; `Err` when the run hits its
    /// node-execution limit.
    async fn dispatch(&self, state: &mut State) -> Result<(), String> {
        while state.running.len() < self.executor.max_concurrency {
            let Some((node, mut input)) = state.ready.pop_front() else { break };
            if state.started >= self.executor.max_node_executions {
                return Err(format!(
                    "the run reached its limit of {} node executions (a loop in the graph that does not end?)",
                    self.executor.max_node_executions
                ));
            }
            state.started += 1;
            merge_dynamic(&mut input);
            let planned = &self.plan.nodes[node];
            let key = state.next_key;
            state.next_key += 1;
            let output_name = match planned.kind {
                NodeKind::Output => input.get("name").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            };
            let input = Value::Object(input);
            let digest = input_digest(&input, &planned.secret);
            let occurrence = state.occurrences.entry((node, digest)).or_default();
            *occurrence += 1;
            let parts: [&[u8]; 3] = [planned.id.as_bytes(), &digest, &occurrence.to_be_bytes()];
            let execution_id = derived_execution_id(self.graph_execution_id, &parts);
            let started = GraphEvent::NodeStarted { node_id: planned.id.clone(), execution_id, input: input.clone() };
            if self.events.send(started).await.is_err() {
                return Err("the run's events are no longer read".to_owned());
            }
            let job = node_task::Job {
                executor: self.executor.clone(),
                graph_execution_id: self.graph_execution_id,
                node_id: planned.id.clone(),
                block_id: planned.block_id,
                sub_graph: match &planned.kind {
                    NodeKind::SubGraph(graph) => Some(graph.clone()),
                    _ => None,
                },
                credentials: self.credentials.clone(),
                input,
                user_id: self.user_id.clone(),
                execution_id,
                key,
            };
            state.streams.push(job.into_stream());
            state.running.insert(key, Running { node, execution_id, output_name });
        }
        Ok(())
    }

    /// Handles one message; `false` when the run's events are no longer read.
    async fn handle(&self, state: &mut State, message: NodeMessage) -> bool {
        match message {
            NodeMessage::Output { key, pin, value } => {
                let Some(running) = state.running.get(&key) else { return true };
                let (node, execution_id) = (running.node, running.execution_id);
                let graph_output = running.output_name.clone().filter(|_| pin == "output");
                let planned = &self.plan.nodes[node];
                for link in planned.outs.iter().filter(|link| link.source.base == pin) {
                    let Some(part) = link.source.extract(&value) else { continue };
                    self.deliver(state, link.sink, &link.sink_name, part.clone(), link.is_static);
                }
                if let Some(name) = graph_output
                    && self.events.send(GraphEvent::Output { name, value: value.clone() }).await.is_err()
                {
                    return false;
                }
                let event = GraphEvent::NodeOutput { node_id: planned.id.clone(), execution_id, pin, value };
                self.events.send(event).await.is_ok()
            }
            NodeMessage::Ended { key, error } => {
                let Some(running) = state.running.remove(&key) else { return true };
                let node_id = self.plan.nodes[running.node].id.clone();
                let status = if error.is_some() { NodeStatus::Failed } else { NodeStatus::Completed };
                if let Some(error) = &error {
                    state.failures.push(NodeFailure {
                        node_id: node_id.to_string(),
                        execution_id: running.execution_id,
                        error: error.clone(),
                    });
                }
                let event = GraphEvent::NodeEnded { node_id, execution_id: running.execution_id, status, error };
                self.events.send(event).await.is_ok()
            }
        }
    }

    /// A value arrives at `sink`'s input `name`: it completes the oldest waiting
    /// execution that lacks `name`, or starts a new one. A static value is also
    /// kept for later executions and given to every waiting one that lacks it.
    fn deliver(&self, state: &mut State, sink: usize, name: &str, value: Value, is_static: bool) {
        if is_static {
            state.statics[sink].insert(name.to_owned(), value.clone());
        }
        let waiting = &mut state.incomplete[sink];
        let mut filled = Vec::new();
        if is_static {
            for (at, input) in waiting.iter_mut().enumerate() {
                if !input.contains_key(name) {
                    input.insert(name.to_owned(), value.clone());
                    filled.push(at);
                }
            }
        } else if let Some(at) = waiting.iter().position(|input| !input.contains_key(name)) {
            waiting[at].insert(name.to_owned(), value.clone());
            filled.push(at);
        }
        if filled.is_empty() {
            let mut input = Map::new();
            input.insert(name.to_owned(), value);
            return self.offer(state, sink, input);
        }
        // Take the completed ones out, from the back so indices stay valid.
        for at in filled.into_iter().rev() {
            if let Some(input) = self.complete(state, sink, &state.incomplete[sink][at]) {
                state.incomplete[sink].remove(at);
                state.ready.push_back((sink, input));
            }
        }
    }

    /// Queues `input` for `node` if it is complete, else keeps it waiting.
    fn offer(&self, state: &mut State, node: usize, input: Map<String, Value>) {
        match self.complete(state, node, &input) {
            Some(ready) => state.ready.push_back((node, ready)),
            None => state.incomplete[node].push_back(input),
        }
    }

    /// The full input of an execution that has `values`, if it is complete: every
    /// linked input has a value (from a link, or a static link's last value), and
    /// with the preset values every required field has one.
    fn complete(&self, state: &State, node: usize, values: &Map<String, Value>) -> Option<Map<String, Value>> {
        let planned = &self.plan.nodes[node];
        let statics = &state.statics[node];
        let linked = planned.linked.iter().all(|name| values.contains_key(name) || statics.contains_key(name));
        if !linked {
            return None;
        }
        let mut input = planned.defaults.clone();
        for name in &planned.static_linked {
            if let Some(value) = statics.get(name) {
                input.insert(name.clone(), value.clone());
            }
        }
        input.extend(values.iter().map(|(key, value)| (key.clone(), value.clone())));
        let has = |field: &String| {
            input.get(field).is_some_and(|value| !value.is_null())
                || input.keys().any(|key| {
                    key.len() > field.len() && key.starts_with(field.as_str()) && is_step(&key[field.len()..])
                })
        };
        planned.required.iter().all(has).then_some(input)
    }
}

fn is_step(rest: &str) -> bool {
    ["_#_", "_$_", "_@_"].iter().any(|delimiter| rest.starts_with(delimiter))
}

/// The digest an execution's id is derived from: its input with the values of
/// the block's secret fields left out, so that an id (seen in logs and run
/// lists) says nothing about a secret, not even to someone guessing it. Two
/// executions differing only in a secret count as occurrences of one input,
/// which still gives each its own id.
fn input_digest(input: &Value, secret: &[String]) -> [u8; 32] {
    if secret.iter().all(|field| input.get(field).is_none()) {
        return canonical_digest(input);
    }
    let mut masked = input.clone();
    if let Some(fields) = masked.as_object_mut() {
        for field in secret {
            if let Some(value) = fields.get_mut(field) {
                *value = Value::String("<secret>".to_owned());
            }
        }
    }
    canonical_digest(&masked)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::input_digest;

    #[test]
    fn an_executions_id_digest_leaves_secret_fields_out() {
        let secret = vec!["password".to_owned()];
        let one = input_digest(&json!({"user": "ada", "password": "hunter2"}), &secret);
        let other = input_digest(&json!({"user": "ada", "password": "letmein"}), &secret);
        assert_eq!(one, other, "the secret's value does not reach the digest");
        assert_ne!(one, input_digest(&json!({"user": "bob", "password": "hunter2"}), &secret));
        let plain = input_digest(&json!({"user": "ada"}), &secret);
        assert_eq!(plain, input_digest(&json!({"user": "ada"}), &[]), "no secret field, the plain digest");
    }
}
