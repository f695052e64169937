//! The example agents of `examples/graphs/`, in the reference platform's export
//! shape: each loads, validates against every registered block and runs.

use std::sync::Arc;

use block_core::credentials::{CredentialsType, test_credentials};
use block_core::graph::{Graph, GraphExecutor, GraphInputs, GraphOutcome, GraphRunStatus, StartError};
use block_core::http::{Exchange, MockTransport};
use block_core::{Executor, InMemoryCredentialStore, RunOptions, Value, json};

fn load(file: &str) -> Graph {
    let path = format!("{}/../examples/graphs/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let graph: Graph = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"));
    if let Err(problems) = graph.validate(block_workspace_tests::registry()) {
        panic!("{path}: {problems}");
    }
    graph
}

async fn run(graph: &Graph, executor: Executor, inputs: GraphInputs, user: &str) -> GraphOutcome {
    GraphExecutor::new(block_workspace_tests::registry(), executor)
        .start(graph, inputs, RunOptions::for_user(user))
        .unwrap_or_else(|error| panic!("{}: {error}", graph.name))
        .collect()
        .await
}

fn numbers(values: &[Value]) -> Vec<f64> {
    let mut numbers: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
    numbers.sort_by(f64::total_cmp);
    numbers
}

#[tokio::test]
async fn a_list_fans_out_into_one_calculation_per_item() {
    let graph = load("square_each_number.json");
    assert_eq!(graph.input_schema()["properties"]["numbers"]["type"], "array");
    assert_eq!(graph.input_schema()["required"], json!(["numbers"]));
    let inputs = GraphInputs::new().value("numbers", json!([1, 2, 3, 4.5]));
    let outcome = run(&graph, Executor::new(), inputs, "ada").await;
    assert_eq!(outcome.status, GraphRunStatus::Completed, "{:?}", outcome.errors);
    assert_eq!(numbers(outcome.output("squares")), [1.0, 4.0, 9.0, 20.25]);
    let calculator = graph.nodes.iter().find(|node| node.metadata["label"] == "square").unwrap();
    assert_eq!(outcome.executions_of(&calculator.id).count(), 4);
}

#[tokio::test]
async fn a_condition_runs_one_branch_only() {
    let graph = load("is_it_big.json");
    let big = run(&graph, Executor::new(), GraphInputs::new().value("n", json!(42)), "ada").await;
    assert_eq!(big.status, GraphRunStatus::Completed, "{:?}", big.errors);
    assert_eq!(big.output("big"), [json!("big")]);
    assert!(big.output("small").is_empty());

    let small = run(&graph, Executor::new(), GraphInputs::new().value("n", json!(3)), "ada").await;
    assert_eq!(small.output("small"), [json!("3 is at most 10")]);
    assert!(small.output("big").is_empty());
    let template = graph.nodes.iter().find(|node| node.metadata["label"] == "explain").unwrap();
    let explained = small.executions_of(&template.id).next().unwrap();
    assert_eq!(explained.input["values"], json!({"n": 3}), "the dynamic pin `values_#_n` built the object");
}

#[tokio::test]
async fn a_number_input_refuses_text_before_anything_runs() {
    let graph = load("is_it_big.json");
    let outcome = run(&graph, Executor::new(), GraphInputs::new().value("n", json!("ten")), "ada").await;
    assert_eq!(outcome.status, GraphRunStatus::Failed);
    assert_eq!(outcome.errors[0].error, "the graph input `n` takes a value of type number, not string");
}

fn greeting(text: &str, answer: &str) -> Exchange {
    Exchange::post("https://api.example.com/v1/resources")
        .header("authorization", "Bearer mock-example-api-key")
        .json_body(json!({"name": text, "type": "greeting"}))
        .respond_json(201, json!({"message": answer}))
}

#[tokio::test]
async fn a_credentialed_block_runs_with_the_callers_credentials_through_the_mocked_transport() {
    let graph = load("greet_example_api.json");
    let registry = block_workspace_tests::registry();
    let schema = graph.credentials_input_schema(registry);
    assert_eq!(schema["required"], json!(["example_api_key_credentials"]));
    assert_eq!(schema["properties"]["example_api_key_credentials"]["credentials_provider"], json!(["example"]));

    let stored = test_credentials("example", CredentialsType::ApiKey);
    let meta = json!(stored.meta());
    let transport =
        Arc::new(MockTransport::new([greeting("Hello, Ada!", "hello back"), greeting("Hi, Ada!", "hi back")]));
    let executor = Executor::new()
        .with_credentials(Arc::new(InMemoryCredentialStore::new().with_user("ada", [stored])))
        .with_transport(transport.clone());
    let inputs = GraphInputs::new().value("name", json!("Ada")).credentials("example_api_key_credentials", meta);
    let outcome = run(&graph, executor, inputs, "ada").await;
    assert_eq!(outcome.status, GraphRunStatus::Completed, "{:?}", outcome.errors);
    let mut answers: Vec<String> =
        outcome.output("answers").iter().map(|answer| answer["message"].to_string()).collect();
    answers.sort();
    assert_eq!(answers, ["\"API response: hello back\"", "\"API response: hi back\""]);
    assert_eq!(outcome.output("count"), [json!(2)]);
    transport.verify().unwrap();
    let recorded = serde_json::to_string(&outcome).unwrap();
    assert!(!recorded.contains("mock-example-api-key"), "the key is in no node's input or output");
}

#[tokio::test]
async fn a_credentialed_agent_without_credentials_does_not_start() {
    let graph = load("greet_example_api.json");
    let executor = GraphExecutor::new(block_workspace_tests::registry(), Executor::new());
    let Err(StartError::Invalid(error)) =
        executor.start(&graph, GraphInputs::new().value("name", json!("Ada")), RunOptions::for_user("ada"))
    else {
        panic!("the agent started without credentials");
    };
    assert!(error.to_string().contains("graph credentials input `example_api_key_credentials`"), "{error}");
}
