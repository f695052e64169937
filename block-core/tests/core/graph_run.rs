//! The in-process graph executor: the reference's semantics (readiness, one
//! execution per value, static links, fan-out), failures, limits, timeouts,
//! cancellation, concurrency, pluggable runners and credentials inputs.

use crate::graph_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use block_core::graph::{
    Graph, GraphEvent, GraphExecutor, GraphInputs, GraphOutcome, GraphRunStatus, InProcessRunner, NodeOutputs,
    NodeRequest, NodeRunError, NodeRunner, NodeStatus, StartError,
};
use block_core::{Executor, RunOptions, Value, json};
use graph_support::*;

fn executor() -> GraphExecutor {
    GraphExecutor::new(registry(), Executor::new())
}

async fn run(graph: &Graph, inputs: GraphInputs) -> GraphOutcome {
    executor().start(graph, inputs, RunOptions::default()).expect("the graph starts").collect().await
}

fn sorted(values: &[Value]) -> Vec<i64> {
    let mut numbers: Vec<i64> = values.iter().filter_map(Value::as_i64).collect();
    numbers.sort();
    numbers
}

fn slow(id: &str, tag: &str, millis: u64) -> block_core::graph::Node {
    node::<SlowBlock>(id).with_input("millis", json!(millis)).with_input("tag", json!(tag))
}

#[tokio::test]
async fn a_chain_runs_from_its_input_to_its_output() {
    let graph = graph(
        vec![
            input("in", "n"),
            node::<AddBlock>("plus1").with_input("b", json!(1)),
            node::<AddBlock>("plus10").with_input("b", json!(10)),
            output("out", "total"),
        ],
        vec![
            link("in", "result", "plus1", "a"),
            link("plus1", "sum", "plus10", "a"),
            link("plus10", "sum", "out", "value"),
        ],
    );
    let outcome = run(&graph, GraphInputs::new().value("n", json!(5))).await;
    assert_eq!(outcome.status, GraphRunStatus::Completed, "{outcome:?}");
    assert_eq!(outcome.output("total"), [json!(16)]);
    assert_eq!(outcome.node_executions, 4);
    let plus10 = outcome.executions_of("plus10").next().unwrap();
    assert_eq!(plus10.input, json!({"b": 10, "a": 6}));
    assert_eq!(plus10.output, json!({"sum": [16]}).as_object().unwrap().clone());
    assert_eq!(plus10.status, Some(NodeStatus::Completed));
}

#[tokio::test]
async fn each_value_on_a_link_feeds_one_execution_of_its_sink() {
    let items: Vec<i64> = (20..70).collect();
    let graph = graph(
        vec![
            node::<ItemsBlock>("list").with_input("items", json!(items)),
            node::<AddBlock>("double"),
            output("out", "doubled"),
        ],
        vec![
            link("list", "item", "double", "a"),
            link("list", "item", "double", "b"),
            link("double", "sum", "out", "value"),
        ],
    );
    let outcome = run(&graph, GraphInputs::new()).await;
    assert_eq!(outcome.status, GraphRunStatus::Completed, "{:?}", outcome.errors);
    assert_eq!(outcome.executions_of("double").count(), 50);
    assert_eq!(sorted(outcome.output("doubled")), items.iter().map(|n| n * 2).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_static_link_keeps_its_value_for_every_later_execution() {
    let graph = graph(
        vec![
            input("step", "step"),
            node::<ItemsBlock>("list").with_input("items", json!([1, 2, 3])),
            node::<AddBlock>("add"),
            output("out", "sums"),
        ],
        vec![
            link("step", "result", "add", "b").static_link(),
            link("list", "item", "add", "a"),
            link("add", "sum", "out", "value"),
        ],
    );
    let outcome = run(&graph, GraphInputs::new().value("step", json!(100))).await;
    assert_eq!(outcome.status, GraphRunStatus::Completed, "{outcome:?}");
    assert_eq!(sorted(outcome.output("sums")), [101, 102, 103]);
    assert_eq!(outcome.executions_of("add").count(), 3);
}

#[tokio::test]
async fn dynamic_sink_names_build_the_fields_value() {
    let graph = graph(
        vec![
            input("first", "first"),
            input("second", "second"),
            node::<TextBlock>("text").with_input("text", json!("t")),
            output("out", "words"),
        ],
        vec![
            link("first", "result", "text", "words_#_a"),
            link("second", "result", "text", "words_#_b"),
            link("text", "words_#_b", "out", "value"),
        ],
    );
    let inputs = GraphInputs::new().value("first", json!("x")).value("second", json!("y"));
    let outcome = run(&graph, inputs).await;
    assert_eq!(outcome.executions_of("text").next().unwrap().input["words"], json!({"a": "x", "b": "y"}));
    assert_eq!(outcome.output("words"), [json!("y")]);
}

#[tokio::test]
async fn a_failing_node_fails_its_branch_and_the_run_lists_every_failure() {
    let graph = graph(
        vec![
            node::<ItemsBlock>("list").with_input("items", json!([12, 13, 14, 13])),
            node::<AddBlock>("add").with_input("b", json!(0)),
            output("out", "ok"),
        ],
        vec![link("list", "item", "add", "a"), link("add", "sum", "out", "value")],
    );
    let outcome = run(&graph, GraphInputs::new()).await;
    assert_eq!(outcome.status, GraphRunStatus::Failed);
    assert_eq!(sorted(outcome.output("ok")), [12, 14]);
    assert_eq!(outcome.errors.len(), 2);
    assert!(outcome.errors.iter().all(|failure| failure.node_id == "add" && failure.error == "13 is unlucky"));
    assert_eq!(outcome.errors[0].to_string(), "node add: 13 is unlucky");
}

#[tokio::test]
async fn a_node_whose_input_does_not_fit_fails_without_running() {
    let graph = graph(
        vec![node::<ItemsBlock>("list").with_input("items", json!(["one"])), node::<AddBlock>("add")],
        vec![link("list", "item", "add", "a")],
    );
    let outcome = run(&graph, GraphInputs::new()).await;
    assert_eq!(outcome.status, GraphRunStatus::Failed);
    assert!(outcome.errors[0].error.starts_with("invalid input for AddBlock: /a"), "{:?}", outcome.errors);
}

#[tokio::test]
async fn a_loop_ends_at_the_node_execution_limit() {
    let graph = graph(
        vec![input("in", "n"), node::<AddBlock>("count").with_input("b", json!(1))],
        vec![link("in", "result", "count", "a"), link("count", "sum", "count", "a")],
    );
    let outcome = executor()
        .with_max_node_executions(50)
        .start(&graph, GraphInputs::new().value("n", json!(100)), RunOptions::default())
        .unwrap()
        .collect()
        .await;
    assert_eq!(outcome.status, GraphRunStatus::Failed);
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    assert_eq!(outcome.node_executions, 50);
    let reason = outcome.reason.unwrap();
    assert!(reason.contains("limit of 50 node executions"), "{reason}");
}

#[tokio::test]
async fn a_node_that_takes_too_long_fails_at_the_node_timeout() {
    let graph = graph(vec![slow("slow", "timeout", 5_000).with_input("value", json!(1))], vec![]);
    let outcome = executor()
        .with_node_timeout(Duration::from_millis(50))
        .start(&graph, GraphInputs::new(), RunOptions::default())
        .unwrap()
        .collect()
        .await;
    assert_eq!(outcome.status, GraphRunStatus::Failed);
    assert!(outcome.errors[0].error.contains("did not finish within 50ms"), "{:?}", outcome.errors);
}

#[tokio::test]
async fn cancelling_stops_the_run_and_its_node_executions() {
    let graph = graph(
        vec![
            slow("a", "cancel", 10_000).with_input("value", json!(1)),
            slow("b", "cancel", 10_000).with_input("value", json!(2)),
        ],
        vec![],
    );
    let mut run = executor().start(&graph, GraphInputs::new(), RunOptions::default()).unwrap();
    let cancel = run.cancel_handle();
    let mut started = 0;
    while started < 2 {
        if let Some(GraphEvent::NodeStarted { .. }) = run.next_event().await {
            started += 1;
        }
    }
    while slow_stats("cancel").running < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cancel.cancel();
    let outcome = run.collect().await;
    assert_eq!(outcome.status, GraphRunStatus::Terminated);
    assert_eq!(outcome.reason.as_deref(), Some("the run was stopped"));
    wait_until(|| slow_stats("cancel").stopped == 2).await;
}

#[tokio::test]
async fn dropping_the_run_stops_its_node_executions() {
    let graph = graph(vec![slow("a", "drop", 10_000).with_input("value", json!(1))], vec![]);
    let run = executor().start(&graph, GraphInputs::new(), RunOptions::default()).unwrap();
    wait_until(|| slow_stats("drop").running == 1).await;
    drop(run);
    wait_until(|| slow_stats("drop").stopped == 1).await;
}

async fn wait_until(condition: impl Fn() -> bool) {
    for _ in 0..400 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the condition did not hold within 2 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_executions_run_at_most_max_concurrency_at_a_time() {
    let graph = graph(
        vec![
            node::<ItemsBlock>("list").with_input("items", json!([1, 2, 3, 4, 5, 6, 7, 8])),
            slow("slow", "bounded", 20),
        ],
        vec![link("list", "item", "slow", "value")],
    );
    let outcome = executor()
        .with_max_concurrency(3)
        .start(&graph, GraphInputs::new(), RunOptions::default())
        .unwrap()
        .collect()
        .await;
    assert_eq!(outcome.status, GraphRunStatus::Completed);
    let stats = slow_stats("bounded");
    assert_eq!(stats.finished, 8);
    assert!(stats.most <= 3 && stats.most >= 2, "{stats:?}");
}

#[tokio::test]
async fn events_come_in_order_and_end_with_the_runs_end() {
    let graph = graph(vec![input("in", "n"), output("out", "echo")], vec![link("in", "result", "out", "value")]);
    let mut run = executor().start(&graph, GraphInputs::new().value("n", json!("hi")), RunOptions::default()).unwrap();
    let mut kinds = Vec::new();
    while let Some(event) = run.next_event().await {
        kinds.push(match event {
            GraphEvent::NodeStarted { node_id, .. } => format!("started {node_id}"),
            GraphEvent::NodeOutput { node_id, pin, .. } => format!("output {node_id}.{pin}"),
            GraphEvent::NodeEnded { node_id, status, .. } => format!("ended {node_id} {status:?}"),
            GraphEvent::Output { name, value } => format!("graph output {name}={value}"),
            GraphEvent::RunEnded { status, .. } => format!("run {status:?}"),
            _ => "other".to_owned(),
        });
    }
    assert_eq!(
        kinds,
        [
            "started in",
            "output in.result",
            // A value is routed as soon as it is emitted, before its node ends.
            "started out",
            "ended in Completed",
            "graph output echo=\"hi\"",
            "output out.output",
            "output out.name",
            "ended out Completed",
            "run Completed",
        ]
    );
}

#[tokio::test]
async fn an_invalid_graph_or_missing_input_does_not_start() {
    let graph = graph(vec![input("in", "n"), node::<AddBlock>("add")], vec![]);
    let Err(StartError::Invalid(error)) = executor().start(&graph, GraphInputs::new(), RunOptions::default()) else {
        panic!("the run started");
    };
    let text = error.to_string();
    assert!(text.contains("node add (AddBlock): the required input `a`"), "{text}");
    assert!(text.contains("input `n` (node in): no value given and no default"), "{text}");
}

/// Counts the node executions it starts and refuses those of node `refused`.
struct CountingRunner {
    inner: InProcessRunner,
    started: AtomicUsize,
}

#[block_core::async_trait]
impl NodeRunner for CountingRunner {
    async fn run(&self, request: NodeRequest<'_>) -> Result<NodeOutputs, NodeRunError> {
        if request.node_id == "refused" {
            return Err(NodeRunError::Refused { reason: "not enough credits for AddBlock".into() });
        }
        assert!(request.options.execution_id.is_some(), "each node execution has its id before it starts");
        self.started.fetch_add(1, Ordering::SeqCst);
        self.inner.run(request).await
    }
}

#[tokio::test]
async fn node_executions_go_through_the_runner_given() {
    let runner =
        Arc::new(CountingRunner { inner: InProcessRunner::new(Executor::new()), started: AtomicUsize::new(0) });
    let graph = graph(
        vec![node::<AddBlock>("fine").with_input("a", json!(1)), node::<AddBlock>("refused").with_input("a", json!(2))],
        vec![],
    );
    let outcome = executor()
        .with_runner(runner.clone())
        .start(&graph, GraphInputs::new(), RunOptions::default())
        .unwrap()
        .collect()
        .await;
    assert_eq!(runner.started.load(Ordering::SeqCst), 1);
    assert_eq!(outcome.status, GraphRunStatus::Failed);
    assert_eq!(outcome.errors[0].to_string(), "node refused: not enough credits for AddBlock");
}

#[tokio::test]
async fn credentials_given_to_the_run_fill_the_nodes_credentials_fields() {
    use block_core::credentials::{CredentialsType, test_credentials};
    let stored = test_credentials("acme", CredentialsType::ApiKey);
    let meta = serde_meta(&stored);
    let store = block_core::InMemoryCredentialStore::new().with_user("ada", [stored]);
    let graph = graph(
        vec![node::<KeyedBlock>("sign").with_input("word", json!("hi")), output("out", "signed")],
        vec![link("sign", "signed", "out", "value")],
    );
    let graphs = GraphExecutor::new(registry(), Executor::new().with_credentials(Arc::new(store)));
    let inputs = GraphInputs::new().credentials("acme_api_key_credentials", meta);
    let outcome = graphs.start(&graph, inputs, RunOptions::for_user("ada")).unwrap().collect().await;
    assert_eq!(outcome.status, GraphRunStatus::Completed, "{outcome:?}");
    assert_eq!(outcome.output("signed"), [json!("hi:17")]);
    assert!(!serde_json_text(&outcome).contains("mock-acme-api-key"), "no secret in the outcome");
}

fn serde_meta(stored: &block_core::credentials::StoredCredentials) -> Value {
    block_core::serde_json::to_value(stored.meta()).unwrap()
}

fn serde_json_text(outcome: &GraphOutcome) -> String {
    block_core::serde_json::to_string(outcome).unwrap()
}
