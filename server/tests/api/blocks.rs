//! Listing blocks, executing them (JSON and Server-Sent Events) and the error paths.

use serde_json::{Value, json};

use crate::support::{TestServer, pin_counts, runs_of, sse_events};

const CALCULATOR: &str = "470bd006-adb0-48de-a0d9-b3a7de19568b";
const LIST_ITERATOR: &str = "ebe2dd5c-79b9-4ba2-ab55-15d191464e98";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_enabled_blocks_in_the_reference_shape_and_shows_one() {
    let server = TestServer::start("blocks-list").await;
    let client = server.client();
    let list = client.get("/external-api/v1/blocks").await;
    list.expect(200);
    assert_eq!(list.header("content-type"), Some("application/json"));
    let blocks = list.json();
    let names: Vec<&str> = blocks.as_array().expect("a list").iter().filter_map(|b| b["name"].as_str()).collect();
    assert!(names.contains(&"CalculatorBlock") && names.contains(&"PaidEchoBlock"), "{names:?}");
    assert!(!names.contains(&"DisabledBlock"), "disabled blocks are not listed");
    let calculator = blocks.as_array().into_iter().flatten().find(|b| b["id"] == CALCULATOR).expect("listed");
    for field in ["inputSchema", "outputSchema", "categories", "contributors", "staticOutput", "uiType", "costs"] {
        assert!(calculator.get(field).is_some(), "{field} is missing");
    }
    let one = client.get(&format!("/external-api/v1/blocks/{CALCULATOR}")).await;
    assert_eq!(one.expect(200).json(), *calculator);
    assert_eq!(client.get("/external-api/v1/blocks/CalculatorBlock").await.expect(200).json()["id"], CALCULATOR);
    assert_eq!(client.get("/external-api/v1/blocks/nope").await.expect(404).code(), "block_not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executes_a_block_and_answers_pin_to_values() {
    let server = TestServer::start("blocks-execute").await;
    let client = server.client();
    let answer = client
        .post(&format!("/external-api/v1/blocks/{CALCULATOR}/execute"), &json!({"operation": "divide", "a": 1, "b": 4}))
        .await;
    assert_eq!(answer.expect(200).json(), json!({"result": [0.25]}));
    let failed = client
        .post(&format!("/external-api/v1/blocks/{CALCULATOR}/execute"), &json!({"operation": "divide", "a": 1, "b": 0}))
        .await;
    assert!(failed.expect(200).json()["error"][0].as_str().is_some_and(|e| !e.is_empty()), "{}", failed.text);
    let records = runs_of(server.storage().as_ref(), &server.user_id, 10).await;
    assert_eq!(records.len(), 2);
    assert!(records.iter().any(|r| pin_counts(r) == Some(json!({"result": 1}))), "{records:?}");
    assert!(records.iter().any(|r| r.error.is_some() && r.finished_at.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_error_paths_answer_404_403_400_and_422_with_every_problem() {
    let server = TestServer::start("blocks-errors").await;
    let client = server.client();
    let unknown = client.post("/external-api/v1/blocks/00000000-0000-4000-8000-000000000000/execute", &json!({})).await;
    assert_eq!(unknown.expect(404).code(), "block_not_found");
    let disabled = client.post("/external-api/v1/blocks/DisabledBlock/execute", &json!({"text": "x"})).await;
    assert_eq!(disabled.expect(403).code(), "block_disabled");
    let not_json = client
        .send(
            "POST",
            &format!("/external-api/v1/blocks/{CALCULATOR}/execute"),
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(not_json.expect(422).code(), "invalid_input", "an empty body is the empty object");
    let garbage =
        client.send_raw("POST", &format!("/external-api/v1/blocks/{CALCULATOR}/execute"), None, "{not json", &[]).await;
    assert_eq!(garbage.expect(400).code(), "invalid_json");
    let invalid = client
        .post(&format!("/external-api/v1/blocks/{CALCULATOR}/execute"), &json!({"operation": "divid", "b": "x"}))
        .await;
    assert_eq!(invalid.expect(422).code(), "invalid_input");
    let problems = invalid.json()["error"]["details"]["problems"].clone();
    let paths: Vec<&str> = problems.as_array().into_iter().flatten().filter_map(|p| p["path"].as_str()).collect();
    assert_eq!(paths.len(), 3, "{problems}");
    for path in ["", "/operation", "/b"] {
        assert!(paths.contains(&path), "{path} in {paths:?}");
    }
    assert!(runs_of(server.storage().as_ref(), &server.user_id, 10).await.is_empty(), "nothing ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_one_event_per_output_named_by_pin_then_closes() {
    let server = TestServer::start("blocks-sse").await;
    let client = server.client();
    let input = json!({"items": [1, "two", {"three": 3}]});
    let expected: Vec<(String, Value)> = vec![
        ("item".into(), json!(1)),
        ("key".into(), json!(0)),
        ("item".into(), json!("two")),
        ("key".into(), json!(1)),
        ("item".into(), json!({"three": 3})),
        ("key".into(), json!(2)),
    ];
    let path = format!("/external-api/v1/blocks/{LIST_ITERATOR}/execute");
    let accepted = client.send("POST", &path, Some(&input), &[("accept", "text/event-stream")]).await;
    accepted.expect(200);
    assert!(accepted.header("content-type").is_some_and(|t| t.starts_with("text/event-stream")));
    assert_eq!(sse_events(&accepted.text), expected);
    let streamed = client.post(&format!("{path}/stream"), &input).await;
    assert_eq!(sse_events(&streamed.expect(200).text), expected);

    let failing = client
        .post(
            &format!("/external-api/v1/blocks/{CALCULATOR}/execute/stream"),
            &json!({"operation": "divide", "a": 1, "b": 0}),
        )
        .await;
    let events = sse_events(&failing.expect(200).text);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, "error");
    let refused = client.send("POST", &format!("{path}/stream"), Some(&json!({"items": 3})), &[]).await;
    assert_eq!(refused.expect(422).code(), "invalid_input", "problems before the stream are plain errors");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_arrive_while_the_run_is_still_going() {
    let server = TestServer::start("blocks-sse-live").await;
    let path = "/external-api/v1/blocks/SlowBlock/execute/stream";
    let answer = server.client().send_raw("POST", path, None, json!({"millis": 300}).to_string(), &[]).await;
    assert!(answer.expect(200).header("content-type").is_some_and(|t| t.starts_with("text/event-stream")));
    assert_eq!(sse_events(&answer.text), vec![("done".to_owned(), json!(300))]);
}
