//! `tools/call`: the same path as `POST /blocks/{id}/execute` (validation,
//! credentials, credits, run records), outputs as structured content and a text
//! summary, each output as a progress notification, failures as tool errors, and
//! a client's cancellation stopping the run.

use std::time::{Duration, Instant};

use block_core::credentials::{
    ApiKeyCredentials, CredentialStore, CredentialsMeta, CredentialsType, StoredCredentials,
};
use block_server::domain::{RunSource, RunStatus};
use block_server::storage::RunFilter;
use rmcp::model::{CallToolRequest, CallToolRequestParams, CallToolResult, ClientRequest, ContentBlock};
use rmcp::service::PeerRequestOptions;
use serde_json::{Value, json};

use crate::support::{Connected, TestServer};

fn params(tool: &str, arguments: Value) -> CallToolRequestParams {
    CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments.as_object().cloned().expect("an object"))
}

fn text(result: &CallToolResult) -> String {
    result.content.iter().filter_map(ContentBlock::as_text).map(|text| text.text.clone()).collect::<Vec<_>>().join("\n")
}

async fn runs(server: &TestServer) -> Vec<block_server::domain::Run> {
    let storage = server.state.storage();
    storage.runs(&server.user_id, &RunFilter::default(), None, 100).await.expect("the runs").items
}

#[tokio::test]
async fn a_call_answers_its_outputs_and_reports_each_as_progress() {
    let server = TestServer::start("call").await;
    let connected = server.connect(&server.key).await;
    let result =
        connected.client.call_tool(params("ticker", json!({"ticks": 3, "pause_ms": 5}))).await.expect("a result");
    assert_eq!(result.is_error, Some(false));
    assert_eq!(result.structured_content, Some(json!({"tick": [1, 2, 3], "total": [3]})));
    let summary = text(&result);
    assert!(summary.starts_with("TickerBlock completed (run "), "{summary}");
    assert!(summary.contains("\ntick: 1\ntick: 2\ntick: 3\ntotal: 3"), "{summary}");

    let started = Instant::now();
    while connected.heard.progress.lock().expect("not poisoned").len() < 4 && started.elapsed() < Duration::from_secs(5)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let progress = connected.heard.progress.lock().expect("not poisoned").clone();
    let seen: Vec<(f64, Option<String>)> = progress.iter().map(|p| (p.progress, p.message.clone())).collect();
    assert_eq!(
        seen,
        [
            (1.0, Some("tick: 1".to_owned())),
            (2.0, Some("tick: 2".to_owned())),
            (3.0, Some("tick: 3".to_owned())),
            (4.0, Some("total: 3".to_owned())),
        ]
    );

    let runs = runs(&server).await;
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!((run.source, run.status), (RunSource::Mcp, RunStatus::Completed));
    assert!(summary.contains(&run.id), "the summary names the run record");
    assert_eq!(Value::Object(run.outputs.clone()), json!({"tick": [1, 2, 3], "total": [3]}));
    server.stop().await;
}

#[tokio::test]
async fn a_block_error_is_a_tool_error_not_a_protocol_error() {
    let server = TestServer::start("error").await;
    let connected = server.connect(&server.key).await;
    let result =
        connected.client.call_tool(params("refusing", json!({"reason": "the moon is full"}))).await.expect("a result");
    assert_eq!(result.is_error, Some(true));
    assert_eq!(result.structured_content, Some(json!({"error": ["the moon is full"]})));
    assert!(text(&result).contains("RefusingBlock failed (run "), "{}", text(&result));
    assert!(text(&result).contains("the moon is full"));
    assert_eq!(runs(&server).await[0].status, RunStatus::Failed);

    let invalid =
        connected.client.call_tool(params("ticker", json!({"ticks": "many", "pause_ms": -1}))).await.expect("a result");
    assert_eq!(invalid.is_error, Some(true), "invalid arguments are the model's to fix");
    let message = text(&invalid);
    assert!(message.contains("/ticks") && message.contains("/pause_ms"), "every problem is listed: {message}");

    let unknown = connected.client.call_tool(params("no_such_tool", json!({}))).await;
    let error = unknown.expect_err("an unknown tool is a protocol error").to_string();
    assert!(error.contains("no tool named `no_such_tool`"), "{error}");
    assert_eq!(runs(&server).await.len(), 1, "nothing ran for the refused calls");
    server.stop().await;
}

#[tokio::test]
async fn a_call_the_credits_do_not_cover_is_a_tool_error_and_charges_nothing() {
    let settings = block_server::Settings { starting_credits: 0, rate_limit_per_minute: 0, ..Default::default() };
    let server = TestServer::start_with("credits", settings).await;
    let connected = server.connect(&server.key).await;
    let result = connected.client.call_tool(params("ticker", json!({"ticks": 1}))).await.expect("a result");
    assert_eq!(result.is_error, Some(true));
    assert_eq!(text(&result), "running TickerBlock costs 1 credits; the balance is 0");
    assert!(runs(&server).await.is_empty(), "a refused call is not a run");
    let free = connected.client.call_tool(params("refusing", json!({"reason": "free"}))).await.expect("a result");
    assert_eq!(free.structured_content, Some(json!({"error": ["free"]})), "free blocks still run");
    server.stop().await;
}

#[tokio::test]
async fn credentials_are_the_callers_own_and_missing_ones_are_named() {
    let server = TestServer::start("credentials").await;
    let connected = server.connect(&server.key).await;
    let missing = connected.client.call_tool(params("keyed_echo", json!({"text": "hi"}))).await.expect("a result");
    assert_eq!(missing.is_error, Some(true));
    let message = text(&missing);
    assert!(message.contains("KeyedEchoBlock needs Example credentials (`example`, api_key)"), "{message}");
    assert!(
        message.contains(&format!("POST {}/external-api/v1/integrations/example/credentials", server.url)),
        "{message}"
    );

    let secret = "sk-mcp-test-canary-1b2c3d";
    let stored = StoredCredentials::ApiKey(ApiKeyCredentials {
        meta: CredentialsMeta {
            id: "my-example-key".into(),
            provider: "example".into(),
            kind: CredentialsType::ApiKey,
            title: Some("Mine".into()),
        },
        api_key: secret.into(),
        expires_at: None,
    });
    server.state.credentials().put(&server.user_id, stored).await.expect("stored");
    let result = connected.client.call_tool(params("keyed_echo", json!({"text": "hi"}))).await.expect("a result");
    assert_eq!(result.is_error, Some(false), "{}", text(&result));
    assert_eq!(result.structured_content, Some(json!({"echo": ["hi"], "credentials_id": ["my-example-key"]})));
    let runs = runs(&server).await;
    let recorded = serde_json::to_string(&runs[0].input).expect("JSON");
    assert!(recorded.contains("my-example-key") && !recorded.contains(secret), "the run keeps the meta only");
    assert!(!text(&result).contains(secret));
    server.stop().await;
}

#[tokio::test]
async fn cancelling_a_call_stops_its_run() {
    let server = TestServer::start("cancel").await;
    // The newest revision (no sessions) and 2025-06-18 (a session, where the
    // cancellation comes on a request of its own).
    let stateless = server.connect(&server.key).await;
    cancel_a_long_call(&server, &stateless, 1).await;
    let with_sessions = server.connect_with_sessions(&server.key).await;
    cancel_a_long_call(&server, &with_sessions, 2).await;
    server.stop().await;
}

async fn cancel_a_long_call(server: &TestServer, connected: &Connected, nth: usize) {
    let request =
        ClientRequest::CallToolRequest(CallToolRequest::new(params("ticker", json!({"ticks": 100, "pause_ms": 50}))));
    let handle =
        connected.client.send_cancellable_request(request, PeerRequestOptions::no_options()).await.expect("sent");
    let started = Instant::now();
    while connected.heard.progress.lock().expect("not poisoned").is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "no progress arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    handle.cancel(Some("changed my mind".into())).await.expect("the cancellation is sent");
    let run = loop {
        let runs = runs(server).await;
        if runs.len() == nth
            && let Some(run) = runs.first().filter(|run| run.status.is_final())
        {
            break run.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the run did not stop: {runs:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(run.status, RunStatus::Stopped);
    let ticks = run.outputs.get("tick").and_then(Value::as_array).map_or(0, Vec::len);
    assert!(ticks < 100, "the block stopped early ({ticks} ticks)");
    assert!(started.elapsed() < Duration::from_secs(4), "stopped well before its 5 s of ticks");
}
