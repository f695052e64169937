//! Subscriptions that start graphs: the dispatcher plans them with their graph
//! and never runs them itself, and a graph's trigger node runs only on the
//! payload a run gives it as its node values.

use std::sync::Arc;

use block_core::graph::{
    AgentOutputBlock, Graph, GraphExecutor, GraphInputs, GraphProblem, GraphRunStatus, Link, Node,
};
use block_core::prelude::*;
use block_core::webhooks::{Dispatcher, GraphTarget, InMemoryWebhookStore, Subscription, WebhookStore};
use block_core::{Executor, Registry, RunOptions};

use super::{Hooky, signed, stored_webhook};

/// Input of [`GraphHookBlock`].
#[derive(BlockInput)]
pub struct GraphHookInput {
    /// The delivered event.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Output of [`GraphHookBlock`].
#[derive(BlockOutput)]
pub enum GraphHookOutput {
    /// The pushed commit.
    Commit(Value),
}

/// Runs on Hooky pushes, as the first node of a graph.
#[block(
    id = "3b1f6c2e-8d4a-4f7b-9c5e-2a6d8e0f1b3c",
    categories(Input),
    trigger(provider = Hooky, events = ["repo.pushed"]),
    untested = "cases are in this file"
)]
pub struct GraphHookBlock;

impl Run for GraphHookBlock {
    type Input = GraphHookInput;
    type Output = GraphHookOutput;
    async fn run(
        &self,
        input: GraphHookInput,
        _ctx: &RunContext,
        out: &Emit<GraphHookOutput>,
    ) -> Result<(), BlockError> {
        out.emit(GraphHookOutput::Commit(input.payload["commit"].clone())).await
    }
}

fn registry() -> Registry {
    Registry::builder().block::<GraphHookBlock>().block::<AgentOutputBlock>().build().expect("valid")
}

fn hooked_graph() -> Graph {
    let mut graph = Graph::new("Hooked");
    graph.nodes.push(Node::new("hook", GraphHookBlock::DESCRIPTOR.id));
    graph.nodes.push(Node::new("out", AgentOutputBlock::DESCRIPTOR.id).with_input("name", json!("commit")));
    graph.links.push(Link::new("hook", "commit", "out", "value"));
    graph
}

#[tokio::test]
async fn a_trigger_node_runs_only_on_the_payload_given_to_it() {
    let registry = registry();
    let graph = hooked_graph();
    graph.validate(&registry).expect("a graph with a trigger node is valid");
    let refused = graph.validate_run(&registry, &GraphInputs::new()).expect_err("no payload");
    let expected = GraphProblem::TriggerWithoutPayload { node: "hook".into(), block: "GraphHookBlock" };
    assert_eq!(refused.problems, [expected], "{refused}");
    let stray = GraphInputs::new().node_value("hook", "payload", json!({})).node_value("nope", "x", json!(1));
    let refused = graph.validate_run(&registry, &stray).expect_err("values for an unknown node");
    assert_eq!(refused.problems, [GraphProblem::ValuesForUnknownNode { node: "nope".into() }]);
    let mut twice = hooked_graph();
    twice.nodes.push(Node::new("again", GraphHookBlock::DESCRIPTOR.id));
    let both = GraphInputs::new().node_value("hook", "payload", json!({})).node_value("again", "payload", json!({}));
    let refused = twice.validate_run(&registry, &both).expect_err("two trigger nodes");
    assert_eq!(refused.problems, [GraphProblem::SeveralTriggers { nodes: vec!["hook".into(), "again".into()] }]);

    let delivered = GraphInputs::new().node_value("hook", "payload", json!({"commit": "abc123"}));
    graph.validate_run(&registry, &delivered).expect("a payload given");
    let run = GraphExecutor::new(registry, Executor::new()).start(&graph, delivered, RunOptions::default());
    let outcome = run.expect("the graph starts").collect().await;
    assert_eq!(outcome.status, GraphRunStatus::Completed, "{outcome:?}");
    assert_eq!(outcome.output("commit"), [json!("abc123")], "the trigger's pin fed the graph's output");
}

#[tokio::test]
async fn a_graph_subscription_is_planned_with_its_graph_and_not_run_by_the_dispatcher() {
    let registry = Registry::builder().block::<GraphHookBlock>().build().expect("valid");
    let store = Arc::new(InMemoryWebhookStore::new());
    let webhook = stored_webhook(&store, "alice").await;
    let target = GraphTarget {
        graph_id: "g1".into(),
        graph_version: 2,
        node_id: "hook".into(),
        node_input: serde_json::Map::new(),
        credentials_inputs: serde_json::Map::new(),
    };
    let subscription = Subscription {
        id: "s1".into(),
        webhook_id: webhook.id.clone(),
        owner: "alice".into(),
        block_id: GraphHookBlock::DESCRIPTOR.id.into(),
        events: vec!["repo.pushed".into()],
        input: json!({}),
        graph: Some(target.clone()),
    };
    store.put_subscription(subscription).await.expect("stored");
    let body = json!({"commit": "abc123"}).to_string();
    let headers = signed(&webhook, "repo.pushed", body.as_bytes());
    let dispatcher = Dispatcher::new(&registry, store.clone(), Executor::new());
    let accepted = dispatcher.accept("hooky", &webhook.id, &headers, body.as_bytes()).await.expect("accepted");
    assert_eq!(accepted.triggers.len(), 1);
    assert_eq!(accepted.triggers[0].graph, Some(target), "planned with its graph");
    assert_eq!(accepted.triggers[0].input, json!({"payload": {"commit": "abc123"}}));

    let received = dispatcher.receive("hooky", &webhook.id, &headers, body.as_bytes()).await.expect("received");
    assert!(!received.runs[0].started, "a graph runs where graphs are kept, not here");
    let outputs = received.runs[0].outputs();
    let error = outputs.error().unwrap_or_default();
    assert!(error.contains("starts graph `g1` version 2"), "{error}");
}
