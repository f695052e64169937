//! The response size cap, and how responses are read and turned into errors.

use crate::http_support;

use std::sync::Arc;

use block_core::http::{Exchange, HttpClient, HttpError, HttpPolicy, MockTransport, StaticResolver};
use http_support::{Canned, TestServer, local_policy, reqwest_client};

const LIMIT: u64 = 64 * 1024;

fn limited_client() -> HttpClient {
    reqwest_client(local_policy().max_response_bytes(LIMIT), StaticResolver::new())
}

fn assert_too_large(result: Result<block_core::http::Response, HttpError>) {
    match result {
        Err(HttpError::TooLarge { limit, .. }) => assert_eq!(limit, LIMIT),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn a_declared_length_over_the_cap_fails_with_too_large() {
    let server = TestServer::start(|_, _| Canned::ok(vec![b'x'; LIMIT as usize + 1])).await;
    assert_too_large(limited_client().get(server.url("/big")).send().await);
}

#[tokio::test]
async fn a_streamed_body_over_the_cap_fails_with_too_large() {
    // No Content-Length: the cap must be enforced while reading.
    let server = TestServer::start(|_, _| Canned::ok(vec![b'x'; 4 * LIMIT as usize]).without_length()).await;
    let error = limited_client().get(server.url("/stream")).send().await.unwrap_err();
    assert!(error.to_string().contains(&format!("{LIMIT}-byte limit")), "{error}");
    assert!(matches!(error, HttpError::TooLarge { .. }));
}

#[tokio::test]
async fn a_body_exactly_at_the_cap_is_accepted() {
    let server = TestServer::start(|_, _| Canned::ok(vec![b'x'; LIMIT as usize]).without_length()).await;
    let response = limited_client().get(server.url("/edge")).send().await.unwrap();
    assert_eq!(response.bytes().len() as u64, LIMIT);
}

#[tokio::test]
async fn the_mock_enforces_the_cap_too() {
    let url = "https://api.example.com/export";
    let mock = Arc::new(MockTransport::new([Exchange::get(url).respond_body(200, vec![b'x'; LIMIT as usize + 1])]));
    let client = HttpClient::new(HttpPolicy::default().max_response_bytes(LIMIT), mock);
    assert_too_large(client.get(url).send().await);
}

#[tokio::test]
async fn json_errors_name_the_url_and_what_serde_could_not_read() {
    let url = "https://api.example.com/v1/user?page=2";
    let mock = Arc::new(MockTransport::new([Exchange::get(url).respond_body(200, "<html>oops</html>")]));
    let client = HttpClient::new(HttpPolicy::default(), mock);
    let response = client.get(url).send().await.unwrap();
    let error = response.json::<serde_json::Value>().unwrap_err();
    assert!(matches!(error, HttpError::Decode { .. }));
    let message = error.to_string();
    assert!(message.contains(url) && message.contains("expected value at line 1 column 1"), "{message}");
}

#[tokio::test]
async fn status_errors_carry_a_short_snippet_of_the_body() {
    let url = "https://api.example.com/v1/things";
    let body = format!("{{\"error\":\n   \"quota exceeded\", \"detail\": \"{}\"}}", "z".repeat(5000));
    let mock = Arc::new(MockTransport::new([Exchange::post(url).respond_body(403, body)]));
    let client = HttpClient::new(HttpPolicy::default(), mock);
    let error = client.post(url).send().await.unwrap().error_for_status().unwrap_err();
    let HttpError::Status { status, snippet, .. } = &error else { panic!("{error:?}") };
    assert_eq!(status.as_u16(), 403);
    assert!(snippet.starts_with(r#"{"error": "quota exceeded""#), "{snippet}");
    assert!(snippet.chars().count() <= 201 && snippet.ends_with('…'), "{snippet}");
    assert!(!error.is_transient());
}

#[tokio::test]
async fn successful_statuses_pass_error_for_status() {
    let url = "https://api.example.com/v1/ok";
    let mock = Arc::new(MockTransport::new([Exchange::get(url).respond_json(200, serde_json::json!({"n": 1}))]));
    let client = HttpClient::new(HttpPolicy::default(), mock);
    let response = client.get(url).send().await.unwrap().error_for_status().unwrap();
    assert_eq!(response.json::<serde_json::Value>().unwrap()["n"], 1);
    assert_eq!(response.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn a_bad_url_or_header_is_reported_by_send_without_panicking() {
    let mock = Arc::new(MockTransport::default());
    let client = HttpClient::new(HttpPolicy::default(), mock.clone());
    let error = client.get("not a url").send().await.unwrap_err();
    assert!(matches!(error, HttpError::InvalidUrl { .. }), "{error:?}");
    let error = client.get("https://api.example.com/").header("bad header", "v").send().await.unwrap_err();
    assert!(matches!(error, HttpError::Build { .. }), "{error:?}");
    let error = client.get("https://api.example.com/").header("x-ok", "line\nbreak").send().await.unwrap_err();
    assert!(error.to_string().contains("x-ok"), "{error}");
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn a_head_response_announcing_a_large_body_is_accepted() {
    let server = TestServer::start(|_, _| Canned::ok(vec![b'x'; 2 * LIMIT as usize])).await;
    let response = limited_client().head(server.url("/big")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.bytes().is_empty());
}
