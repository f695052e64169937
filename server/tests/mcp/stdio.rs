//! `block-server mcp`: the built binary serves the same tools over stdio as the
//! local user of its data directory; stdout carries nothing but the protocol.

use std::process::Stdio;
use std::time::{Duration, Instant};

use block_server::domain::{RunSource, RunStatus};
use block_server::services::accounts;
use block_server::storage::{RunFilter, RunStore, SqliteStorage};
use rmcp::model::CallToolRequestParams;
use serde_json::json;
use tokio::process::Command;

use crate::support::{connect, fresh_dir};

#[tokio::test]
async fn the_binary_serves_the_tools_on_stdio_as_the_local_user() {
    let dir = fresh_dir("stdio");
    let mut child = Command::new(env!("CARGO_BIN_EXE_block-server"))
        .args(["mcp", "--data-dir"])
        .arg(&dir)
        .env("BLOCKS_LOG", "info")
        .env_remove("GITHUB_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let stdin = child.stdin.take().expect("stdin");
    let connected = connect((stdout, stdin)).await;
    let tools = connected.client.list_all_tools().await.expect("the tools");
    assert!(tools.iter().any(|tool| tool.name == "greet") && tools.iter().any(|tool| tool.name == "calculator"));
    assert!(!tools.iter().any(|tool| tool.name.contains("trigger")));

    let greet = CallToolRequestParams::new("greet").with_arguments(
        json!({"name": "Lin", "greetings": ["Hey", "Yo", "Hi"]}).as_object().cloned().expect("an object"),
    );
    let result = connected.client.call_tool(greet).await.expect("a result");
    assert_eq!(result.is_error, Some(false));
    assert_eq!(
        result.structured_content,
        Some(json!({"greeting": ["Hey, Lin!", "Yo, Lin!", "Hi, Lin!"], "greeting_count": [3]}))
    );
    let started = Instant::now();
    while connected.heard.progress.lock().expect("not poisoned").len() < 4 && started.elapsed() < Duration::from_secs(5)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(connected.heard.progress.lock().expect("not poisoned").len(), 4, "one progress notification per output");

    let issue = CallToolRequestParams::new("github_create_issue").with_arguments(
        json!({"repo": "octo/repo", "title": "t", "body": "b"}).as_object().cloned().expect("an object"),
    );
    let missing = connected.client.call_tool(issue).await.expect("a result");
    assert_eq!(missing.is_error, Some(true));
    let message = missing.content[0].as_text().expect("text").text.clone();
    assert!(message.contains("needs GitHub credentials (`github`"), "{message}");

    connected.client.cancel().await.expect("the client closes");
    let status =
        tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("the server ends").expect("status");
    assert!(status.success(), "the server ends cleanly when stdin closes: {status}");
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        tokio::io::AsyncReadExt::read_to_string(&mut pipe, &mut stderr).await.expect("stderr");
    }
    assert!(stderr.contains("serving MCP on stdio"), "logs go to stderr: {stderr}");

    let storage = SqliteStorage::open(&dir).expect("the data directory opens");
    let (user, created) = accounts::local_user(&storage, 0).await.expect("the local user");
    assert!(!created, "the server created the local user");
    let runs = storage.runs(&user.id, &RunFilter::default(), None, 10).await.expect("the runs").items;
    assert_eq!(runs.len(), 1, "the refused call ran nothing: {runs:?}");
    assert_eq!((runs[0].source, runs[0].status), (RunSource::Mcp, RunStatus::Completed));
}
