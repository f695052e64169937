//! Graph runs in the process tests: a chain of paid step nodes saved and run
//! through the External API, and the start log their node runs leave.

use std::collections::HashMap;

use serde_json::{Value, json};

/// The graph input block.
pub const INPUT: &str = "68e97033-7e28-4ae7-b109-18a65fb7592b";
/// The graph output block.
const OUTPUT: &str = "bce1541f-d88b-4501-b333-22921a6b027d";
/// [`crate::MarkedStepBlock`].
pub const STEP: &str = "3e8b2a61-4c5d-4f7e-9a1b-2c3d4e5f6a7b";

/// A node of `block` with `preset` inputs, in the saved graph's shape.
pub fn node(id: &str, block: &str, preset: Value) -> Value {
    json!({"id": id, "block_id": block, "input_default": preset})
}

/// A link from pin `pin` of `source` to field `field` of `sink`.
pub fn link(source: &str, pin: &str, sink: &str, field: &str) -> Value {
    json!({"id": format!("{source}-{sink}-{field}"), "source_id": source, "source_name": pin, "sink_id": sink, "sink_name": field})
}

/// `token` -> step 0 -> step 1 -> ... -> `last`: `steps` paid nodes in a row,
/// each taking `millis`; the graph's output `last` is `steps`.
pub fn chain(steps: usize, millis: u64) -> Value {
    let mut nodes = vec![node("in", INPUT, json!({"name": "token", "value_type": "string"}))];
    let mut links = Vec::new();
    for n in 0..steps {
        let id = format!("s{n}");
        nodes.push(node(&id, STEP, json!({"millis": millis})));
        links.push(link("in", "result", &id, "token"));
        if n > 0 {
            links.push(link(&format!("s{}", n - 1), "next", &id, "step"));
        }
    }
    nodes.push(node("out", OUTPUT, json!({"name": "last"})));
    links.push(link(&format!("s{}", steps - 1), "next", "out", "value"));
    json!({"name": format!("A chain of {steps} steps"), "nodes": nodes, "links": links})
}

/// Saves `graph` through the server at `base`: its id and version.
pub async fn save(client: &reqwest::Client, base: &str, key: &str, graph: &Value) -> (String, u64) {
    let answer = client
        .post(format!("{base}/external-api/v1/graphs"))
        .header("X-API-Key", key)
        .header("Content-Type", "application/json")
        .body(graph.to_string())
        .send()
        .await
        .expect("the server answers");
    let status = answer.status();
    let body: Value = serde_json::from_slice(&answer.bytes().await.expect("an answer")).expect("a JSON answer");
    assert!(status.is_success(), "the graph is saved: {status} {body}");
    (body["id"].as_str().expect("an id").to_owned(), body["version"].as_u64().expect("a version"))
}

/// Starts a run of graph `id` at `version` with `token` through the server at
/// `base`: the graph run's id, or why not (a server down).
pub async fn execute(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    (id, version): (&str, u64),
    token: &str,
) -> Result<String, String> {
    let answer = client
        .post(format!("{base}/external-api/v1/graphs/{id}/execute/{version}"))
        .header("X-API-Key", key)
        .header("Content-Type", "application/json")
        .body(json!({"node_input": {"token": token}}).to_string())
        .send()
        .await
        .map_err(|error| error.to_string())?;
    let status = answer.status();
    let bytes = answer.bytes().await.map_err(|error| error.to_string())?;
    let body: Value = serde_json::from_slice(&bytes).map_err(|error| error.to_string())?;
    match body["id"].as_str() {
        Some(run_id) if status.is_success() => Ok(run_id.to_owned()),
        _ => Err(format!("{status} {body}")),
    }
}

/// One start of a step node, as its block logged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepStart {
    /// The graph run's token.
    pub token: String,
    /// The node's step.
    pub step: u64,
    /// The process that ran it.
    pub pid: u32,
    /// The node run's id.
    pub run_id: String,
}

/// The step starts in the start log `text` (lines of other blocks are passed over).
pub fn step_starts(text: &str) -> Vec<StepStart> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let (token, step) = fields.next()?.split_once('/')?;
            let (pid, run_id) = (fields.next()?.parse().ok()?, fields.next()?.to_owned());
            Some(StepStart { token: token.to_owned(), step: step.parse().ok()?, pid, run_id })
        })
        .collect()
}

/// How many times each node run started.
pub fn starts_by_run(starts: &[StepStart]) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for start in starts {
        *counts.entry(start.run_id.as_str()).or_default() += 1;
    }
    counts
}
