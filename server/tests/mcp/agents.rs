//! The caller's agents (graphs) as tools: listed for EXECUTE_GRAPH, called by
//! running the graph on the run engine, answered with the graph's outputs.

use block_core::graph::Graph;
use block_server::domain::Scope;
use block_server::services::graphs;
use rmcp::model::{CallToolRequestParams, ContentBlock};
use serde_json::json;

use crate::support::TestServer;

fn square_agent() -> Graph {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/graphs/square_each_number.json"))
            .expect("the example agent is readable");
    serde_json::from_str(&text).expect("the example agent is a graph")
}

#[tokio::test]
async fn the_callers_agents_are_tools_that_run_the_graph_and_answer_its_outputs() {
    let server = TestServer::start("agents").await;
    let stored =
        graphs::create(server.state.storage().as_ref(), server.state.registry(), &server.user_id, square_agent())
            .await
            .expect("the agent is saved");
    let connected = server.connect(&server.key).await;
    let tools = connected.client.list_all_tools().await.expect("the tools");
    let name = format!("agent_square_each_number_{}", &stored.id.replace('-', "")[..8]);
    let tool = tools.iter().find(|tool| tool.name == name).unwrap_or_else(|| panic!("{name} is listed"));
    assert_eq!(tool.input_schema.get("required"), Some(&json!(["numbers"])));
    assert_eq!(tool.description.as_deref(), Some(stored.description.as_str()));

    let call = CallToolRequestParams::new(name.clone())
        .with_arguments(json!({"numbers": [3, 4]}).as_object().cloned().expect("an object"));
    let result = connected.client.call_tool(call).await.expect("a result");
    assert_eq!(result.is_error, Some(false), "{result:?}");
    let mut squares: Vec<f64> = result.structured_content.as_ref().expect("outputs")["squares"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    squares.sort_by(f64::total_cmp);
    assert_eq!(squares, [9.0, 16.0]);
    let summary: String =
        result.content.iter().filter_map(ContentBlock::as_text).map(|text| text.text.clone()).collect();
    assert!(summary.starts_with("Square each number completed (run "), "{summary}");

    let wrong = CallToolRequestParams::new(name.clone()).with_arguments(serde_json::Map::new());
    let refused = connected.client.call_tool(wrong).await.expect("a tool error, not a protocol error");
    assert_eq!(refused.is_error, Some(true));

    let blocks_only = server.key_with(&[Scope::ExecuteBlock]).await;
    let without = server.connect(&blocks_only).await;
    let tools = without.client.list_all_tools().await.expect("the tools");
    assert!(tools.iter().all(|tool| tool.name != name), "agents need EXECUTE_GRAPH");
    let call = CallToolRequestParams::new(name)
        .with_arguments(json!({"numbers": [1]}).as_object().cloned().expect("an object"));
    assert!(without.client.call_tool(call).await.is_err(), "an agent tool the key may not see is unknown");
}

#[tokio::test]
async fn an_agent_a_webhook_starts_is_not_a_tool() {
    let server = TestServer::start("agents-triggered").await;
    let graph: Graph = serde_json::from_value(json!({"name": "On example events", "nodes": [
        {"id": "hook", "block_id": "0c0a7e5e-5b0e-4c5b-9b58-2f1f7c9d1e3a", "input_default": {}, "metadata": {}},
        {"id": "out", "block_id": "bce1541f-d88b-4501-b333-22921a6b027d", "input_default": {"name": "event"},
         "metadata": {}}],
        "links": [{"id": "l", "source_id": "hook", "source_name": "event_data", "sink_id": "out", "sink_name": "value"}]}))
    .expect("a graph");
    let storage = server.state.storage().as_ref();
    graphs::create(storage, server.state.registry(), &server.user_id, graph).await.expect("the agent is saved");
    graphs::create(storage, server.state.registry(), &server.user_id, square_agent()).await.expect("saved");
    let connected = server.connect(&server.key).await;
    let tools = connected.client.list_all_tools().await.expect("the tools");
    assert!(tools.iter().any(|tool| tool.name.starts_with("agent_square_each_number_")), "the callable one is listed");
    assert!(tools.iter().all(|tool| !tool.name.starts_with("agent_on_example_events")), "it runs on deliveries");
}
