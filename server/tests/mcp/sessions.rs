//! Sessions (of the revisions that have them) belong to the user who opened
//! them: another user presenting a session's id is told it does not exist.

use block_server::domain::{Scope, User};
use block_server::services::accounts;
use serde_json::{Value, json};

use crate::support::TestServer;

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("a client")
}

async fn post(
    http: &reqwest::Client,
    server: &TestServer,
    key: &str,
    session: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request = http
        .post(server.mcp_url())
        .header("x-api-key", key)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .json(&body);
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    request.send().await.expect("an answer")
}

#[tokio::test]
async fn a_session_answers_only_the_user_who_opened_it() {
    let server = TestServer::start("sessions").await;
    let stranger = User {
        id: "00000000-0000-4000-8000-000000000002".into(),
        name: "Stranger".into(),
        email: "stranger@example.com".into(),
        timezone: "UTC".into(),
    };
    server.state.storage().create_user(stranger.clone(), 10).await.expect("a second user");
    let (stranger_key, _) =
        accounts::create_api_key(server.state.storage().as_ref(), &stranger.id, "theirs", Scope::ALL.to_vec())
            .await
            .expect("their key");
    let stranger_key = block_core::ExposeSecret::expose_secret(&stranger_key.key).to_owned();
    let http = http();
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}});
    let opened = post(&http, &server, &server.key, None, initialize).await;
    assert_eq!(opened.status(), 200);
    let session = opened.headers()["mcp-session-id"].to_str().expect("text").to_owned();
    let _ = opened.text().await;
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(post(&http, &server, &server.key, Some(&session), initialized).await.status(), 202);

    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let theirs = post(&http, &server, &stranger_key, Some(&session), list.clone()).await;
    assert_eq!(theirs.status(), 404, "another user's session does not exist for them");
    let mine = post(&http, &server, &server.key, Some(&session), list).await;
    assert_eq!(mine.status(), 200);
    assert!(mine.text().await.expect("the tools").contains("\"name\":\"calculator\""));
    server.stop().await;
}
