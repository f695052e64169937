//! Retries: transient failures of idempotent requests are retried with back-off,
//! `Retry-After` is honoured, and the last answer is reported when retries run out.
//!
//! Mock-based tests run on paused tokio time: delays cost no real time, and the
//! virtual clock tells exactly how long the client waited.

use crate::http_support;

use std::sync::Arc;
use std::time::Duration;

use block_core::http::{Exchange, HttpClient, HttpError, HttpPolicy, MockTransport, RetryPolicy, StaticResolver};
use http_support::{Canned, TestServer, local_policy, reqwest_client};
use tokio::time::Instant;

/// Back-off of at most 10 ms, so any long wait must come from `Retry-After`.
fn short_backoff() -> RetryPolicy {
    RetryPolicy::default().base_delay(Duration::from_millis(5)).max_delay(Duration::from_millis(10))
}

fn client(mock: &Arc<MockTransport>, retry: RetryPolicy) -> HttpClient {
    HttpClient::new(HttpPolicy::default().retry(retry), mock.clone())
}

const URL: &str = "https://api.example.com/v1/items";

#[tokio::test(start_paused = true)]
async fn a_503_then_a_200_succeeds() {
    let mock =
        Arc::new(MockTransport::new([Exchange::get(URL).respond(503), Exchange::get(URL).respond_body(200, "items")]));
    let response = client(&mock, short_backoff()).get(URL).send().await.unwrap();
    assert_eq!((response.status().as_u16(), response.text()), (200, "items".to_owned()));
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn retry_after_in_seconds_is_waited_for() {
    let mock = Arc::new(MockTransport::new([
        Exchange::get(URL).respond(429).response_header("retry-after", "7"),
        Exchange::get(URL).respond(200),
    ]));
    let started = Instant::now();
    let response = client(&mock, short_backoff()).get(URL).send().await.unwrap();
    let waited = started.elapsed();
    assert_eq!(response.status().as_u16(), 200);
    assert!(waited >= Duration::from_secs(7), "waited only {waited:?}");
    assert!(waited < Duration::from_secs(8), "waited {waited:?}");
}

#[tokio::test(start_paused = true)]
async fn retry_after_as_an_http_date_is_waited_for() {
    let in_five_minutes = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(300));
    let mock = Arc::new(MockTransport::new([
        Exchange::get(URL).respond(503).response_header("retry-after", &in_five_minutes),
        Exchange::get(URL).respond(200),
    ]));
    let retry = short_backoff().max_retry_after(Duration::from_secs(600));
    let started = Instant::now();
    client(&mock, retry).get(URL).send().await.unwrap();
    // HTTP dates have one-second resolution.
    assert!(started.elapsed() >= Duration::from_secs(298), "waited only {:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_beyond_the_cap_ends_the_retries_at_once() {
    let mock = Arc::new(MockTransport::new([
        Exchange::get(URL).respond(503).response_header("retry-after", "3600"),
        Exchange::get(URL).respond(200),
    ]));
    let response = client(&mock, short_backoff()).get(URL).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(mock.requests().len(), 1);
    assert_eq!(mock.unused_exchanges().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn post_is_not_retried() {
    let mock = Arc::new(MockTransport::new([Exchange::post(URL).respond(503), Exchange::post(URL).respond(201)]));
    let response = client(&mock, short_backoff()).post(URL).body("once").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn gives_up_after_the_last_attempt_with_the_last_status_in_the_error() {
    let mock = Arc::new(MockTransport::new([
        Exchange::get(URL).respond(503),
        Exchange::get(URL).respond(502),
        Exchange::get(URL).respond_body(504, "upstream timed out"),
        Exchange::get(URL).respond(200),
    ]));
    let error = client(&mock, short_backoff()).get(URL).send().await.unwrap().error_for_status().unwrap_err();
    match &error {
        HttpError::Status { status, url, snippet } => {
            assert_eq!(status.as_u16(), 504);
            assert_eq!(url.as_str(), URL);
            assert_eq!(snippet, "upstream timed out");
        }
        other => panic!("expected a status error, got {other:?}"),
    }
    assert!(error.to_string().contains("504 Gateway Timeout"), "{error}");
    assert_eq!(mock.requests().len(), 3, "the default policy makes 3 attempts");
}

#[tokio::test(start_paused = true)]
async fn the_number_of_attempts_comes_from_the_policy() {
    let mock = Arc::new(MockTransport::new([Exchange::get(URL).respond(500).repeatable()]));
    client(&mock, short_backoff().max_attempts(5)).get(URL).send().await.unwrap();
    assert_eq!(mock.requests().len(), 5);
    let mock = Arc::new(MockTransport::new([Exchange::get(URL).respond(500).repeatable()]));
    client(&mock, RetryPolicy::none()).get(URL).send().await.unwrap();
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn connection_failures_are_retried_for_idempotent_methods() {
    let mock = Arc::new(MockTransport::new([Exchange::put(URL).fail_to_connect(), Exchange::put(URL).respond(204)]));
    let response = client(&mock, short_backoff()).put(URL).body("x").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 204);

    let mock = Arc::new(MockTransport::new([Exchange::post(URL).fail_to_connect(), Exchange::post(URL)]));
    let error = client(&mock, short_backoff()).post(URL).send().await.unwrap_err();
    assert!(matches!(error, HttpError::Connect { .. }), "{error:?}");
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn only_transient_statuses_are_retried() {
    for status in [400, 401, 404, 409, 422, 501] {
        let mock = Arc::new(MockTransport::new([Exchange::get(URL).respond(status), Exchange::get(URL)]));
        let response = client(&mock, short_backoff()).get(URL).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(mock.requests().len(), 1, "{status} was retried");
    }
    for status in [408, 429, 500, 502, 503, 504] {
        let mock = Arc::new(MockTransport::new([Exchange::delete(URL).respond(status), Exchange::delete(URL)]));
        let response = client(&mock, short_backoff()).delete(URL).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{status} was not retried");
    }
}

#[tokio::test(start_paused = true)]
async fn a_slow_answer_times_out_and_is_not_retried() {
    let mock = Arc::new(MockTransport::new([Exchange::get(URL).delay(Duration::from_secs(120)), Exchange::get(URL)]));
    let policy = HttpPolicy::default().timeout(Duration::from_secs(30)).retry(short_backoff());
    let client = HttpClient::new(policy, mock.clone());
    let error = client.get(URL).send().await.unwrap_err();
    assert!(matches!(error, HttpError::Timeout { after, .. } if after == Duration::from_secs(30)), "{error:?}");
    assert_eq!(mock.requests().len(), 1);

    let error = client.get(URL).timeout(Duration::from_secs(1)).send().await;
    assert!(error.is_ok(), "the second exchange answers at once: {error:?}");
}

#[tokio::test]
async fn a_local_server_that_fails_once_is_retried_over_the_real_transport() {
    let server = TestServer::start(|_, index| {
        if index == 0 { Canned::status(503).header("retry-after", "0") } else { Canned::ok("recovered") }
    })
    .await;
    let client = reqwest_client(local_policy(), StaticResolver::new());
    let response = client.get(server.url("/flaky")).send().await.unwrap();
    assert_eq!(response.text(), "recovered");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_refused_connection_is_retried_and_reported_over_the_real_transport() {
    // Bind then drop a listener: the port is closed, so connecting is refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = reqwest_client(local_policy(), StaticResolver::new());
    let error = client.get(format!("http://127.0.0.1:{port}/")).send().await.unwrap_err();
    assert!(matches!(error, HttpError::Connect { .. }), "{error:?}");
    assert!(error.is_transient());
}
