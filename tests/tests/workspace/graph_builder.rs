//! An agent built in Rust is the same model as the JSON one: the builder's nodes
//! and links match `examples/graphs/square_each_number.json` node for node, and it
//! runs the same.

use block_core::graph::{
    AgentInputInput, AgentInputOutput, AgentOutputInput, Graph, GraphBuilder, GraphExecutor, GraphInputs,
    GraphRunStatus, ValueType,
};
use block_core::{Executor, RunOptions, json};
use block_providers::basic::{
    CalculatorBlock, CalculatorInput, CalculatorOutput, ListIteratorBlock, ListIteratorInput, ListIteratorOutput,
    Operation,
};

fn built() -> Graph {
    let mut builder = GraphBuilder::new("Square each number");
    let numbers = builder.input("numbers", "numbers");
    builder.set(&numbers, AgentInputInput::VALUE_TYPE, ValueType::Array);
    let each = builder.node::<ListIteratorBlock>("each");
    let square = builder.node::<CalculatorBlock>("square");
    builder.set(&square, CalculatorInput::OPERATION, Operation::Multiply);
    let squares = builder.output("squares", "squares");
    builder
        .link(numbers.pin(AgentInputOutput::RESULT), each.field(ListIteratorInput::ITEMS))
        .link(each.pin(ListIteratorOutput::ITEM), square.field(CalculatorInput::A))
        .link(each.pin(ListIteratorOutput::ITEM), square.field(CalculatorInput::B))
        .link(square.pin(CalculatorOutput::RESULT), squares.field(AgentOutputInput::VALUE));
    builder.build()
}

fn exported() -> Graph {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/graphs/square_each_number.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("the example agent")).expect("valid JSON")
}

/// Each link as (source block, pin, sink block, field).
fn shape(graph: &Graph) -> Vec<(String, String, String, String)> {
    let block = |id: &str| graph.node(id).map(|node| node.block_id.clone()).unwrap_or_default();
    let mut links: Vec<_> = graph
        .links
        .iter()
        .map(|link| (block(&link.source_id), link.source_name.clone(), block(&link.sink_id), link.sink_name.clone()))
        .collect();
    links.sort();
    links
}

#[test]
fn the_built_agent_has_the_json_agents_nodes_and_links() {
    let (built, exported) = (built(), exported());
    built.validate(block_workspace_tests::registry()).unwrap();
    assert_eq!(shape(&built), shape(&exported));
    let blocks = |graph: &Graph| {
        let mut blocks: Vec<String> = graph.nodes.iter().map(|node| node.block_id.clone()).collect();
        blocks.sort();
        blocks
    };
    assert_eq!(blocks(&built), blocks(&exported));
    let calculator = built.node("square").unwrap();
    assert_eq!(calculator.input_default["operation"], "multiply");
    assert_eq!(
        built.input_schema()["properties"]["numbers"]["type"],
        exported.input_schema()["properties"]["numbers"]["type"]
    );
}

#[tokio::test]
async fn the_built_agent_runs_like_the_json_one() {
    let graphs = GraphExecutor::new(block_workspace_tests::registry(), Executor::new());
    for graph in [built(), exported()] {
        let inputs = GraphInputs::new().value("numbers", json!([2, 3]));
        let outcome = graphs.start(&graph, inputs, RunOptions::default()).unwrap().collect().await;
        assert_eq!(outcome.status, GraphRunStatus::Completed, "{:?}", outcome.errors);
        let mut squares: Vec<f64> = outcome.output("squares").iter().filter_map(|v| v.as_f64()).collect();
        squares.sort_by(f64::total_cmp);
        assert_eq!(squares, [4.0, 9.0]);
    }
}
