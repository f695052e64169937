//! A canary secret given as a bearer token and in the URL never shows in an error
//! message or in `Debug` output, whatever goes wrong.

use crate::http_support;

use std::sync::Arc;
use std::time::Duration;

use block_core::http::{Exchange, HttpClient, HttpError, HttpPolicy, MockTransport, RetryPolicy, StaticResolver};
use http_support::{Canned, TestServer, local_policy, reqwest_client};
use secrecy::SecretString;

const CANARY: &str = "CANARY-9f3a7c1e-secret";

fn canary() -> SecretString {
    SecretString::from(CANARY)
}

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(CANARY), "the canary leaked into {what}: {text}");
    assert!(!text.contains("9f3a7c1e"), "part of the canary leaked into {what}: {text}");
}

#[track_caller]
fn assert_error_clean(error: &HttpError) {
    assert_clean("the error message", &error.to_string());
    assert_clean("the error's Debug", &format!("{error:?}"));
    let block_error = block_core::BlockError::from(clone_message(error));
    assert_clean("the BlockError", block_error.message());
}

/// Errors are not `Clone`; rebuild one with the same text to pass through `BlockError`.
fn clone_message(error: &HttpError) -> std::io::Error {
    std::io::Error::other(error.to_string())
}

fn mock_client(exchanges: impl IntoIterator<Item = Exchange>) -> (Arc<MockTransport>, HttpClient) {
    let mock = Arc::new(MockTransport::new(exchanges));
    let policy = HttpPolicy::default().retry(RetryPolicy::none()).timeout(Duration::from_secs(5));
    (mock.clone(), HttpClient::new(policy, mock))
}

#[tokio::test]
async fn a_blocked_request_does_not_leak_the_canary() {
    let (_, client) = mock_client([]);
    let url = format!("http://169.254.169.254/latest?api_key={CANARY}&access_token={CANARY}");
    let error = client.get(&url).bearer_auth(&canary()).send().await.unwrap_err();
    assert!(matches!(error, HttpError::Blocked { .. }));
    assert_error_clean(&error);
}

#[tokio::test]
async fn an_unmatched_request_names_method_and_url_without_the_canary() {
    let (mock, client) = mock_client([]);
    let error = client
        .get("https://api.example.com/v1/search")
        .query(&[("q", "rust"), ("token", CANARY), ("signature", CANARY)])
        .bearer_auth(&canary())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string().lines().next(),
        Some(
            "no mocked HTTP exchange matches GET \
             https://api.example.com/v1/search?q=rust&token=[redacted]&signature=[redacted]; \
             declare one in the test's mocked exchanges"
        )
    );
    assert_error_clean(&error);
    assert_clean("the unmatched request's report", &mock.unmatched_reports()[0]);
    assert_clean("the mock's verdict", &mock.verify().unwrap_err());
    let recorded = &mock.unmatched_requests()[0];
    assert_clean("a recorded request's Display", &recorded.to_string());
    assert_clean("a recorded request's Debug", &format!("{recorded:?}"));
    assert_clean("the mock's Debug", &format!("{mock:?}"));
}

#[tokio::test]
async fn a_query_secret_under_an_innocent_name_is_erased_when_passed_as_sensitive() {
    let (_, client) = mock_client([]);
    let error = client.get("https://api.example.com/v1").sensitive_query("q", &canary()).send().await.unwrap_err();
    assert!(error.to_string().contains("q=[redacted]"), "{error}");
    assert_error_clean(&error);
}

#[tokio::test]
async fn a_secret_in_the_path_is_erased_when_the_request_is_told_about_it() {
    let (_, client) = mock_client([]);
    let url = format!("https://api.telegram.test/bot{CANARY}/sendMessage");
    let error = client.post(&url).redact(&canary()).send().await.unwrap_err();
    assert!(error.to_string().contains("/bot[redacted]/sendMessage"), "{error}");
    assert_error_clean(&error);
}

#[tokio::test]
async fn a_status_error_whose_body_echoes_the_canary_is_scrubbed() {
    let url = "https://api.example.com/v1/me";
    let (_, client) = mock_client([Exchange::get(url)
        .any_query()
        .respond_body(401, format!("{{\"error\": \"invalid token {CANARY}\"}}"))]);
    let response = client.get(url).query(&[("api_key", CANARY)]).bearer_auth(&canary()).send().await.unwrap();
    assert_clean("the response's Debug", &format!("{response:?}"));
    let error = response.error_for_status().unwrap_err();
    assert!(error.to_string().contains("invalid token [redacted]"), "{error}");
    assert_error_clean(&error);
}

#[tokio::test]
async fn decode_errors_are_scrubbed() {
    let url = "https://api.example.com/v1/me";
    let (_, client) = mock_client([Exchange::get(url).respond_body(200, format!("not json {CANARY}"))]);
    let response = client.get(url).bearer_auth(&canary()).send().await.unwrap();
    let error = response.json::<serde_json::Value>().unwrap_err();
    assert_error_clean(&error);
}

#[tokio::test(start_paused = true)]
async fn a_timeout_does_not_leak_the_canary() {
    let url = "https://api.example.com/slow";
    let (_, client) = mock_client([Exchange::get(url).any_query().delay(Duration::from_secs(60))]);
    let error = client.get(url).query(&[("key", CANARY)]).bearer_auth(&canary()).send().await.unwrap_err();
    assert!(matches!(error, HttpError::Timeout { .. }));
    assert_error_clean(&error);
}

#[tokio::test]
async fn a_refused_connection_over_the_real_transport_does_not_leak_the_canary() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = reqwest_client(local_policy().retry(RetryPolicy::none()), StaticResolver::new());
    let url = format!("http://127.0.0.1:{port}/v1?access_token={CANARY}");
    let error = client.get(&url).bearer_auth(&canary()).send().await.unwrap_err();
    assert!(matches!(error, HttpError::Connect { .. }), "{error:?}");
    assert_error_clean(&error);
}

#[tokio::test]
async fn endless_redirects_carrying_the_canary_do_not_leak_it() {
    let server = TestServer::start(|request, index| {
        let _ = request;
        Canned::redirect(302, &format!("/loop/{index}?token={CANARY}"))
    })
    .await;
    let client = reqwest_client(local_policy(), StaticResolver::new());
    let error = client.get(server.url("/start")).bearer_auth(&canary()).send().await.unwrap_err();
    assert!(matches!(error, HttpError::TooManyRedirects { .. }));
    assert_error_clean(&error);
}

#[tokio::test]
async fn credentials_in_the_url_are_refused_without_being_echoed() {
    let (mock, client) = mock_client([]);
    let error = client.get(format!("https://user:{CANARY}@api.example.com/")).send().await.unwrap_err();
    assert!(matches!(error, HttpError::InvalidUrl { .. }), "{error:?}");
    assert_error_clean(&error);
    let error = client.get(format!("https://user:{CANARY}@[bad/?key={CANARY}")).send().await.unwrap_err();
    assert_error_clean(&error);
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn builders_clients_and_basic_auth_keep_the_canary_out_of_debug() {
    let (_, client) = mock_client([]);
    let request = client
        .post(format!("https://api.example.com/v1?password={CANARY}"))
        .bearer_auth(&canary())
        .sensitive_header("x-custom", &canary())
        .header("x-api-key", CANARY)
        .json(&serde_json::json!({"public": true}));
    assert_clean("a request builder's Debug", &format!("{request:?}"));
    assert_clean("a client's Debug", &format!("{client:?}"));
    let basic = client.get("https://10.0.0.1/").basic_auth("ada", Some(&canary()));
    assert_clean("a basic-auth builder's Debug", &format!("{basic:?}"));
    let error = basic.send().await.unwrap_err();
    assert_error_clean(&error);
}
