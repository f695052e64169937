//! Sub-graphs: a node that runs another graph, once per value, stopped with its
//! parent.

use crate::graph_support;

use std::time::Duration;

use block_core::graph::{AgentExecutorBlock, Graph, GraphExecutor, GraphInputs, GraphRunStatus};
use block_core::{Executor, RunOptions, Value, json};
use graph_support::*;

fn executor() -> GraphExecutor {
    GraphExecutor::new(registry(), Executor::new())
}

fn sorted(values: &[Value]) -> Vec<i64> {
    let mut numbers: Vec<i64> = values.iter().filter_map(Value::as_i64).collect();
    numbers.sort();
    numbers
}

fn slow(id: &str, tag: &str, millis: u64) -> block_core::graph::Node {
    node::<SlowBlock>(id).with_input("millis", json!(millis)).with_input("tag", json!(tag))
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

fn child_graph(tag: &str, millis: u64) -> Graph {
    let mut child = graph(
        vec![
            input("in", "n"),
            slow("wait", tag, millis),
            node::<AddBlock>("add").with_input("b", json!(1)),
            output("out", "plus_one"),
        ],
        vec![
            link("in", "result", "wait", "value"),
            link("wait", "value", "add", "a"),
            link("add", "sum", "out", "value"),
        ],
    );
    child.id = "child".into();
    child
}

fn parent_graph(child: Graph) -> Graph {
    let mut parent = graph(
        vec![
            node::<ItemsBlock>("list").with_input("items", json!([1, 2])),
            node::<AgentExecutorBlock>("sub").with_input("graph_id", json!("child")),
            output("out", "results"),
        ],
        vec![link("list", "item", "sub", "inputs_#_n"), link("sub", "plus_one", "out", "value")],
    );
    parent.sub_graphs.push(child);
    parent
}

#[tokio::test]
async fn a_sub_graph_runs_as_one_node_per_value() {
    let outcome = executor()
        .start(&parent_graph(child_graph("sub", 1)), GraphInputs::new(), RunOptions::default())
        .unwrap()
        .collect()
        .await;
    assert_eq!(outcome.status, GraphRunStatus::Completed, "{outcome:?}");
    assert_eq!(outcome.executions_of("sub").count(), 2);
    assert_eq!(sorted(outcome.output("results")), [2, 3]);
}

#[tokio::test]
async fn stopping_the_parent_stops_its_sub_graphs() {
    let run = executor()
        .start(&parent_graph(child_graph("nested", 10_000)), GraphInputs::new(), RunOptions::default())
        .unwrap();
    wait_until(|| slow_stats("nested").running == 2).await;
    run.cancel_handle().cancel();
    let outcome = run.collect().await;
    assert_eq!(outcome.status, GraphRunStatus::Terminated);
    wait_until(|| slow_stats("nested").stopped == 2).await;
}

#[tokio::test]
async fn a_failing_sub_graph_fails_its_node_with_the_reason() {
    let mut child = child_graph("failing", 1);
    // 12 + 1 = 13 is refused by the add node of the child.
    child.nodes[2] = node::<AddBlock>("add").with_input("b", json!(0));
    let mut parent = parent_graph(child);
    parent.nodes[0] = node::<ItemsBlock>("list").with_input("items", json!([13]));
    let outcome = executor().start(&parent, GraphInputs::new(), RunOptions::default()).unwrap().collect().await;
    assert_eq!(outcome.status, GraphRunStatus::Failed);
    assert_eq!(outcome.errors[0].to_string(), "node sub: the sub-graph `test` failed: node add: 13 is unlucky");
}

#[tokio::test]
async fn a_sub_graph_missing_an_input_fails_its_node_before_it_runs() {
    let mut parent = parent_graph(child_graph("missing", 1));
    parent.links.remove(0);
    parent.nodes.remove(0);
    let outcome = executor().start(&parent, GraphInputs::new(), RunOptions::default()).unwrap().collect().await;
    assert_eq!(outcome.status, GraphRunStatus::Failed);
    let error = &outcome.errors[0].error;
    assert!(error.starts_with("the sub-graph `test` cannot start: the graph has 1 problem:"), "{error}");
    assert!(error.contains("input `n` (node in): no value given and no default"), "{error}");
}

#[tokio::test]
async fn links_may_fill_a_sub_graphs_inputs_by_their_names_as_reference_exports_do() {
    let mut parent = parent_graph(child_graph("direct", 1));
    parent.links[0].sink_name = "n".into();
    parent.validate(&registry()).unwrap();
    let outcome = executor().start(&parent, GraphInputs::new(), RunOptions::default()).unwrap().collect().await;
    assert_eq!(outcome.status, GraphRunStatus::Completed, "{:?}", outcome.errors);
    assert_eq!(sorted(outcome.output("results")), [2, 3]);
}

#[test]
fn a_link_into_a_sub_graph_node_names_one_of_its_fields_or_inputs() {
    let mut parent = parent_graph(child_graph("unknown", 1));
    parent.links[0].sink_name = "m".into();
    parent.links[1].sink_name = "colour".into();
    let error = parent.validate(&registry()).unwrap_err().to_string();
    assert!(error.contains("node sub (AgentExecutorBlock) has no input field `m`"), "{error}");
    assert!(error.contains("node out (AgentOutputBlock) has no input field `colour`"), "{error}");
}
