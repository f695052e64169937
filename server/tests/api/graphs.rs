//! Graphs (agents): saved in versions, run on the durable engine with one child
//! run per node execution (each charged at its block's cost), stopped, and
//! their results in the reference's shape.

use std::time::Duration;

use block_server::Settings;
use serde_json::{Value, json};

use crate::support::{Client, Options, TestServer, eventually};

const INPUT: &str = "68e97033-7e28-4ae7-b109-18a65fb7592b";
const OUTPUT: &str = "bce1541f-d88b-4501-b333-22921a6b027d";
const PAID_ECHO: &str = "91c50624-c3e3-42fb-9326-613c5a012425";
const SLOW: &str = "2cfc9667-0213-405f-8552-07dac672bac4";

fn square_agent() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/graphs/square_each_number.json"))
            .expect("the example agent is readable");
    serde_json::from_str(&text).expect("the example agent is JSON")
}

fn node(id: &str, block: &str, preset: Value) -> Value {
    json!({"id": id, "block_id": block, "input_default": preset, "metadata": {}})
}

fn link(source: &str, pin: &str, sink: &str, field: &str) -> Value {
    json!({"id": format!("{source}-{sink}"), "source_id": source, "source_name": pin, "sink_id": sink, "sink_name": field})
}

/// text -> echo -> echo -> echo -> out: three paid nodes in a row.
fn three_echoes() -> Value {
    json!({
        "name": "Three echoes",
        "nodes": [
            node("in", INPUT, json!({"name": "text", "value_type": "string"})),
            node("e1", PAID_ECHO, json!({})),
            node("e2", PAID_ECHO, json!({})),
            node("e3", PAID_ECHO, json!({})),
            node("out", OUTPUT, json!({"name": "echoed"})),
        ],
        "links": [
            link("in", "result", "e1", "text"),
            link("e1", "echo", "e2", "text"),
            link("e2", "echo", "e3", "text"),
            link("e3", "echo", "out", "value"),
        ],
    })
}

async fn save(client: &Client, graph: &Value) -> Value {
    let answer = client.post("/external-api/v1/graphs", graph).await;
    answer.expect(200);
    answer.json()
}

async fn execute(client: &Client, graph: &Value, node_input: Value) -> String {
    let path = format!("/external-api/v1/graphs/{}/execute/{}", graph["id"].as_str().unwrap(), graph["version"]);
    let answer = client.post(&path, &json!({"node_input": node_input})).await;
    answer.expect(200);
    answer.json()["id"].as_str().expect("a run id").to_owned()
}

async fn settled(client: &Client, run_id: &str) -> Value {
    let path = format!("/external-api/v1/runs/{run_id}");
    let mut last = Value::Null;
    for _ in 0..200 {
        last = client.get(&path).await.json();
        if !matches!(last["status"].as_str(), Some("queued" | "running")) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the run did not end: {last}");
}

async fn balance(client: &Client) -> u64 {
    client.get("/external-api/v1/credits").await.json()["balance"].as_u64().expect("a balance")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphs_are_saved_in_versions_one_of_them_active() {
    let server = TestServer::start("graphs-versions").await;
    let client = server.client();
    let agent = square_agent();
    let first = save(&client, &agent).await;
    let id = first["id"].as_str().expect("an id").to_owned();
    assert_ne!(id, agent["id"], "a saved graph gets its own id");
    assert_eq!((first["version"].as_u64(), first["is_active"].as_bool()), (Some(1), Some(true)));
    assert_eq!(first["input_schema"]["required"], json!(["numbers"]));
    assert_eq!(first["nodes"].as_array().map(Vec::len), Some(4));

    let mut changed = agent.clone();
    changed["name"] = json!("Square each number, renamed");
    let answer = client.send("PUT", &format!("/external-api/v1/graphs/{id}"), Some(&changed), &[]).await;
    answer.expect(200);
    assert_eq!((answer.json()["version"].as_u64(), answer.json()["is_active"].as_bool()), (Some(2), Some(true)));

    let old = client.get(&format!("/external-api/v1/graphs/{id}?version=1")).await;
    old.expect(200);
    assert_eq!(
        (old.json()["name"].as_str(), old.json()["is_active"].as_bool()),
        (Some("Square each number"), Some(false))
    );
    client.get(&format!("/external-api/v1/graphs/{id}?version=9")).await.expect(404);

    let body = json!({"active_graph_version": 1});
    let answer = client.send("PUT", &format!("/external-api/v1/graphs/{id}/versions/active"), Some(&body), &[]).await;
    answer.expect(200);
    assert_eq!(answer.json()["is_active"], true);
    let active = client.get(&format!("/external-api/v1/graphs/{id}")).await.json();
    assert_eq!(active["version"], 1, "version 1 runs again");
    let missing = json!({"active_graph_version": 7});
    client.send("PUT", &format!("/external-api/v1/graphs/{id}/versions/active"), Some(&missing), &[]).await.expect(404);

    let listed = client.get("/external-api/v1/graphs").await.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["version"], 1);
    let versions = client.get(&format!("/external-api/v1/graphs/{id}/versions")).await.json();
    assert_eq!(
        versions.as_array().map(|all| all.iter().map(|v| v["version"].clone()).collect::<Vec<_>>()),
        Some(vec![json!(2), json!(1)])
    );

    client.delete(&format!("/external-api/v1/graphs/{id}")).await.expect(200);
    client.get(&format!("/external-api/v1/graphs/{id}")).await.expect(404);
    client.delete(&format!("/external-api/v1/graphs/{id}")).await.expect(404);
    assert_eq!(client.get("/external-api/v1/graphs").await.json(), json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graph_with_problems_is_refused_listing_each_with_where_it_is() {
    let server = TestServer::start("graphs-invalid").await;
    let client = server.client();
    let graph = json!({
        "name": "Broken",
        "nodes": [node("a", "no-such-block", json!({})), node("b", PAID_ECHO, json!({}))],
        "links": [link("a", "x", "ghost", "text")],
    });
    let answer = client.post("/external-api/v1/graphs", &graph).await;
    answer.expect(422);
    assert_eq!(answer.code(), "invalid_graph");
    let problems = answer.json()["error"]["details"]["problems"].clone();
    let paths: Vec<&str> = problems.as_array().expect("a list").iter().filter_map(|p| p["path"].as_str()).collect();
    assert!(paths.contains(&"/nodes/0"), "the unknown block: {problems}");
    assert!(paths.contains(&"/links/0"), "the link to a missing node: {problems}");
    assert!(paths.contains(&"/nodes/1/input_default/text"), "the echo's unfilled text: {problems}");
    assert_eq!(client.get("/external-api/v1/graphs").await.json(), json!([]), "nothing was saved");

    let saved = save(&client, &three_echoes()).await;
    let path = format!("/external-api/v1/graphs/{}/execute/1", saved["id"].as_str().unwrap());
    let answer = client.post(&path, &json!({"node_input": {"txt": "typo"}})).await;
    answer.expect(422);
    let problems = answer.json()["error"]["details"]["problems"].clone();
    let paths: Vec<&str> = problems.as_array().expect("a list").iter().filter_map(|p| p["path"].as_str()).collect();
    assert_eq!(paths, ["/node_input/text", "/node_input/txt"], "{problems}");
    let unknown = format!("/external-api/v1/graphs/{}/execute/5", saved["id"].as_str().unwrap());
    client.post(&unknown, &json!({"node_input": {"text": "hi"}})).await.expect(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exported_agent_runs_with_a_child_run_per_node_execution_and_results_in_the_reference_shape() {
    let server = TestServer::start("graphs-run").await;
    let client = server.client();
    let graph = save(&client, &square_agent()).await;
    let run_id = execute(&client, &graph, json!({"numbers": [2, 3]})).await;
    let run = settled(&client, &run_id).await;
    assert_eq!((run["status"].as_str(), run["kind"].as_str()), (Some("completed"), Some("graph")), "{run}");
    let mut squares: Vec<f64> =
        run["outputs"]["squares"].as_array().expect("outputs").iter().filter_map(Value::as_f64).collect();
    squares.sort_by(f64::total_cmp);
    assert_eq!(squares, [4.0, 9.0], "{run}");

    let results_path = format!("/external-api/v1/graphs/{}/executions/{run_id}/results", graph["id"].as_str().unwrap());
    let results = client.get(&results_path).await;
    results.expect(200);
    let results = results.json();
    assert_eq!(results["execution_id"], run_id.as_str());
    assert_eq!(results["status"], "COMPLETED");
    let mut output: Vec<Value> = results["output"].as_array().expect("outputs once completed").clone();
    output.sort_by(|a, b| a["squares"].as_f64().unwrap_or(0.0).total_cmp(&b["squares"].as_f64().unwrap_or(0.0)));
    let values: Vec<Option<f64>> = output.iter().map(|one| one["squares"].as_f64()).collect();
    assert_eq!(values, [Some(4.0), Some(9.0)], "one {{name: value}} per value: {results}");
    assert!(output.iter().all(|one| one.as_object().is_some_and(|map| map.len() == 1)));
    let nodes = results["nodes"].as_array().expect("node executions");
    assert_eq!(nodes.len(), 6, "input, iterator, two multiplications, two outputs: {results}");
    let multiplied: Vec<&Value> = nodes
        .iter()
        .filter(|node| node["output"].get("result").is_some() && node["input"]["operation"] == "multiply")
        .collect();
    assert_eq!(multiplied.len(), 2, "{results}");

    let children = client.get("/external-api/v1/runs?kind=graph_node&limit=100").await.json();
    let children: Vec<&Value> = children["items"]
        .as_array()
        .expect("runs")
        .iter()
        .filter(|child| child["parent_id"] == run_id.as_str())
        .collect();
    assert_eq!(children.len(), 6, "each node execution is a child run");
    assert!(children.iter().all(|child| child["status"] == "completed" && child["source"] == "graph"));

    let events = client
        .send("GET", &format!("/external-api/v1/runs/{run_id}/events"), None, &[("accept", "text/event-stream")])
        .await;
    let names: Vec<String> = crate::support::sse_events(&events.text).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names.iter().filter(|name| *name == "node.started").count(), 6, "{names:?}");
    assert_eq!(names.iter().filter(|name| *name == "node.ended").count(), 6);
    assert_eq!(names.iter().filter(|name| *name == "graph.output").count(), 2);
    assert_eq!(names.last().map(String::as_str), Some("run.end"));

    let missing = format!("/external-api/v1/graphs/{}/executions/nope/results", graph["id"].as_str().unwrap());
    let answer = client.get(&missing).await;
    answer.expect(404);
    assert_eq!(answer.json()["detail"], "Graph execution #nope not found.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_node_is_charged_when_it_starts_and_a_node_the_balance_cannot_cover_stops_the_graph() {
    let settings = Settings { starting_credits: 2, rate_limit_per_minute: 0, ..Settings::default() };
    let server = TestServer::start_with("graphs-credits", Options { settings, ..Options::default() }).await;
    let client = server.client();
    let graph = save(&client, &three_echoes()).await;
    let run_id = execute(&client, &graph, json!({"text": "hello"})).await;
    let run = settled(&client, &run_id).await;
    assert_eq!(run["status"], "failed", "{run}");
    let error = run["error"].as_str().unwrap_or_default();
    assert!(error.contains("costs 1 credits; the balance is 0"), "{error}");
    assert_eq!(balance(&client).await, 0, "two echoes were charged");
    let results_path = format!("/external-api/v1/graphs/{}/executions/{run_id}/results", graph["id"].as_str().unwrap());
    let results = client.get(&results_path).await.json();
    assert_eq!(results["status"], "FAILED");
    assert_eq!(results["output"], Value::Null, "no outputs for a failed run");
    let echoes: Vec<&Value> = results["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|node| node["node_id"].as_str().is_some_and(|id| id.starts_with('e')))
        .collect();
    assert_eq!(echoes.len(), 2, "the third echo never ran: {results}");
    assert!(echoes.iter().all(|echo| echo["output"]["echo"] == json!(["hello"])));

    server.storage().grant(&server.user_id, 3, "top-up", None).await.expect("granted");
    let run_id = execute(&client, &graph, json!({"text": "again"})).await;
    let run = settled(&client, &run_id).await;
    assert_eq!((run["status"].as_str(), run["outputs"]["echoed"].clone()), (Some("completed"), json!(["again"])));
    assert_eq!(balance(&client).await, 0, "three echoes, a credit each");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_graph_run_stops_its_node_runs() {
    let server = TestServer::start("graphs-stop").await;
    let client = server.client();
    let graph = json!({
        "name": "Slow",
        "nodes": [node("wait", SLOW, json!({"millis": 30_000})), node("out", OUTPUT, json!({"name": "done"}))],
        "links": [link("wait", "done", "out", "value")],
    });
    let graph = save(&client, &graph).await;
    let run_id = execute(&client, &graph, json!({})).await;
    let child_running = eventually(Duration::from_secs(10), || {
        let client = client.clone();
        let run_id = run_id.clone();
        async move {
            let children = client.get("/external-api/v1/runs?kind=graph_node").await.json();
            children["items"].as_array().is_some_and(|items| {
                items.iter().any(|child| child["parent_id"] == run_id.as_str() && child["status"] == "running")
            })
        }
    })
    .await;
    assert!(child_running, "the slow node started");
    client.post(&format!("/external-api/v1/runs/{run_id}/stop"), &json!({})).await.expect(200);
    let run = settled(&client, &run_id).await;
    assert_eq!(run["status"], "stopped", "{run}");
    let stopped = eventually(Duration::from_secs(10), || {
        let client = client.clone();
        let run_id = run_id.clone();
        async move {
            let children = client.get("/external-api/v1/runs?kind=graph_node").await.json();
            children["items"].as_array().is_some_and(|items| {
                items
                    .iter()
                    .filter(|child| child["parent_id"] == run_id.as_str())
                    .all(|child| child["status"] == "stopped")
            })
        }
    })
    .await;
    assert!(stopped, "the node run was stopped with its graph run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_answers_the_same_graph_run() {
    let server = TestServer::start("graphs-idempotent").await;
    let client = server.client();
    let graph = save(&client, &square_agent()).await;
    let path = format!("/external-api/v1/graphs/{}/execute/1", graph["id"].as_str().unwrap());
    let body = json!({"node_input": {"numbers": [5]}});
    let first = client.send("POST", &path, Some(&body), &[("idempotency-key", "square-5")]).await;
    first.expect(200);
    let again = client.send("POST", &path, Some(&body), &[("idempotency-key", "square-5")]).await;
    again.expect(200);
    assert_eq!(first.json()["id"], again.json()["id"]);
    let graph_runs = client.get("/external-api/v1/runs?kind=graph").await.json();
    assert_eq!(graph_runs["total_count"], 1, "one run for both requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_runs_a_graph_with_its_stored_inputs() {
    let server = TestServer::start("graphs-schedule").await;
    let client = server.client();
    let graph = save(&client, &square_agent()).await;
    let graph_id = graph["id"].as_str().unwrap().to_owned();
    let wrong = json!({"graph_id": graph_id, "input": {"numbrs": [1]}, "cron": "* * * * * *"});
    let answer = client.post("/external-api/v1/schedules", &wrong).await;
    answer.expect(422);
    let paths: Vec<Value> = answer.json()["error"]["details"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["path"].clone())
        .collect();
    assert_eq!(paths, [json!("/input/numbers"), json!("/input/numbrs")]);
    let both = json!({"graph_id": graph_id, "block_id": PAID_ECHO, "cron": "@daily"});
    client.post("/external-api/v1/schedules", &both).await.expect(422);
    let only_blocks = server.key_with(&[block_server::domain::Scope::ExecuteBlock]).await;
    let body = json!({"graph_id": graph_id, "graph_version": 1, "input": {"numbers": [4]}, "cron": "* * * * * *"});
    let refused = client.with_key(Some(&only_blocks)).post("/external-api/v1/schedules", &body).await;
    assert_eq!(refused.expect(403).code(), "missing_scopes");

    let created = client.post("/external-api/v1/schedules", &body).await;
    created.expect(201);
    let created = created.json();
    assert_eq!(created["target"], json!({"kind": "graph", "graph_id": graph_id, "graph_version": 1}));
    let id = created["id"].as_str().unwrap().to_owned();
    let fired = eventually(Duration::from_secs(15), || {
        let client = client.clone();
        async move {
            let runs = client.get("/external-api/v1/runs?kind=graph&status=completed").await.json();
            runs["total_count"].as_u64().unwrap_or(0) >= 1
        }
    })
    .await;
    assert!(fired, "a fire ran the graph");
    client.delete(&format!("/external-api/v1/schedules/{id}")).await.expect(200);
    let runs = client.get("/external-api/v1/runs?kind=graph&status=completed").await.json();
    let run = &runs["items"][0];
    assert_eq!((run["source"].as_str(), run["source_ref"].as_str()), (Some("schedule"), Some(id.as_str())));
    assert_eq!(run["outputs"]["squares"].as_array().and_then(|v| v[0].as_f64()), Some(16.0), "{run}");
}
