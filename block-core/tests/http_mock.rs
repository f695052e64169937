//! The mock transport: matching rules, and the reports a test harness relies on.

use std::sync::Arc;

use block_core::http::{Exchange, HttpClient, HttpError, HttpPolicy, MockTransport, RetryPolicy};
use serde_json::json;

fn client(mock: &Arc<MockTransport>) -> HttpClient {
    HttpClient::new(HttpPolicy::default().retry(RetryPolicy::none()), mock.clone())
}

#[tokio::test]
async fn an_unmatched_request_fails_naming_its_method_and_url_and_is_recorded() {
    let mock = Arc::new(MockTransport::new([Exchange::get("https://api.example.com/v1/users")]));
    let error = client(&mock).delete("https://api.example.com/v1/users/7").send().await.unwrap_err();
    match &error {
        HttpError::Unmatched { method, url } => {
            assert_eq!(method.as_str(), "DELETE");
            assert_eq!(url.as_str(), "https://api.example.com/v1/users/7");
        }
        other => panic!("expected Unmatched, got {other:?}"),
    }
    assert!(error.to_string().contains("DELETE https://api.example.com/v1/users/7"), "{error}");
    // Recorded even though the caller could have swallowed the error.
    let unmatched = mock.unmatched_requests();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0].to_string(), "DELETE https://api.example.com/v1/users/7");
}

#[tokio::test]
async fn unused_exchanges_are_reported() {
    let mock = Arc::new(MockTransport::new([
        Exchange::get("https://api.example.com/a"),
        Exchange::post("https://api.example.com/b").any_query(),
        Exchange::get("https://api.example.com/c").repeatable(),
    ]));
    client(&mock).get("https://api.example.com/a").send().await.unwrap();
    assert_eq!(
        mock.unused_exchanges(),
        ["POST https://api.example.com/b (any query)", "GET https://api.example.com/c (repeatable)"]
    );
    let report = mock.verify().unwrap_err();
    assert!(report.contains("mocked exchange never requested: POST https://api.example.com/b"), "{report}");
}

#[tokio::test]
async fn verify_reports_unmocked_requests_and_passes_when_all_is_used() {
    let mock = Arc::new(MockTransport::new([Exchange::get("https://api.example.com/a")]));
    let _ = client(&mock).get("https://api.example.com/zzz").send().await;
    assert!(mock.verify().unwrap_err().contains("unmocked request: GET https://api.example.com/zzz"));

    let mock = Arc::new(MockTransport::new([Exchange::get("https://api.example.com/a")]));
    client(&mock).get("https://api.example.com/a").send().await.unwrap();
    assert_eq!(mock.verify(), Ok(()));
}

#[tokio::test]
async fn single_use_exchanges_answer_in_declaration_order_and_then_run_out() {
    let url = "https://api.example.com/counter";
    let mock = Arc::new(MockTransport::new([
        Exchange::get(url).respond_body(200, "one"),
        Exchange::get(url).respond_body(200, "two"),
    ]));
    let client = client(&mock);
    assert_eq!(client.get(url).send().await.unwrap().text(), "one");
    assert_eq!(client.get(url).send().await.unwrap().text(), "two");
    assert!(matches!(client.get(url).send().await, Err(HttpError::Unmatched { .. })));
}

#[tokio::test]
async fn repeatable_exchanges_answer_every_time() {
    let url = "https://api.example.com/health";
    let mock = Arc::new(MockTransport::new([Exchange::get(url).repeatable().respond_body(200, "up")]));
    for _ in 0..3 {
        assert_eq!(client(&mock).get(url).send().await.unwrap().text(), "up");
    }
    assert!(mock.unused_exchanges().is_empty());
}

#[tokio::test]
async fn urls_match_exactly_including_the_query_unless_told_otherwise() {
    let mock = Arc::new(MockTransport::new([
        Exchange::get("https://api.example.com/search?q=a&page=1"),
        Exchange::get("https://api.example.com/list").any_query(),
    ]));
    let client = client(&mock);
    let ok = client.get("https://api.example.com/search").query(&[("q", "a"), ("page", "1")]).send().await;
    assert!(ok.is_ok(), "{ok:?}");
    let other_query = client.get("https://api.example.com/search?q=b&page=1").send().await;
    assert!(matches!(other_query, Err(HttpError::Unmatched { .. })));
    let any = client.get("https://api.example.com/list").query(&[("cursor", "xyz")]).send().await;
    assert!(any.is_ok(), "{any:?}");
}

#[tokio::test]
async fn bodies_and_headers_must_match_when_declared() {
    let url = "https://api.example.com/v1/messages";
    let mock = Arc::new(MockTransport::new([
        Exchange::post(url).json_body(json!({"text": "hi", "n": 1})).respond_json(201, json!({"id": "m1"})),
        Exchange::post(url).header("x-mode", "raw").body("exact bytes").respond(202),
        Exchange::post(url).body_matches(|body| body.starts_with(b"prefix")).respond(203),
    ]));
    let client = client(&mock);
    // Key order does not matter for JSON bodies.
    let created = client.post(url).body(r#"{"n":1,"text":"hi"}"#).send().await.unwrap();
    assert_eq!(created.json::<serde_json::Value>().unwrap()["id"], "m1");
    let wrong_header = client.post(url).header("x-mode", "cooked").body("exact bytes").send().await;
    assert!(matches!(wrong_header, Err(HttpError::Unmatched { .. })));
    let raw = client.post(url).header("x-mode", "raw").body("exact bytes").send().await.unwrap();
    assert_eq!(raw.status().as_u16(), 202);
    let predicate = client.post(url).body("prefix and more").send().await.unwrap();
    assert_eq!(predicate.status().as_u16(), 203);
    assert_eq!(mock.requests().len(), 4);
    assert_eq!(mock.requests()[0].json(), Some(json!({"text": "hi", "n": 1})));
}

#[tokio::test]
async fn redirects_and_retries_run_through_the_mock_like_through_the_network() {
    let mock = Arc::new(MockTransport::new([
        Exchange::get("https://a.example.com/start")
            .respond(302)
            .response_header("location", "https://b.example.com/next"),
        Exchange::get("https://b.example.com/next").respond(503).response_header("retry-after", "0"),
        Exchange::get("https://b.example.com/next").respond_body(200, "done"),
    ]));
    let client = HttpClient::new(HttpPolicy::default(), mock.clone());
    let token = secrecy::SecretString::from("mock-token-123");
    let response = client.get("https://a.example.com/start").bearer_auth(&token).send().await.unwrap();
    assert_eq!((response.text(), response.url().as_str()), ("done".into(), "https://b.example.com/next"));
    let requests = mock.requests();
    assert!(requests[0].headers.contains_key("authorization"));
    assert!(!requests[1].headers.contains_key("authorization"), "dropped on the cross-origin hop");
    assert_eq!(mock.verify(), Ok(()));
}

#[tokio::test]
async fn requests_can_be_sent_from_spawned_tasks() {
    let url = "https://api.example.com/spawned";
    let mock = Arc::new(MockTransport::new([Exchange::get(url).repeatable()]));
    let client = client(&mock);
    let tasks: Vec<_> = (0..4).map(|_| tokio::spawn(client.get(url).send())).collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(mock.requests().len(), 4);
}

#[tokio::test]
async fn host_scoped_headers_go_only_to_matching_hosts() {
    use block_core::credentials::{CredentialsMeta, CredentialsType, HostScopedCredentials};
    let credentials = HostScopedCredentials {
        meta: CredentialsMeta { id: "h".into(), provider: "p".into(), kind: CredentialsType::HostScoped, title: None },
        host: "*.example.com".into(),
        headers: vec![("x-api-token".into(), "scoped-canary-42".into())],
    };
    let mock = std::sync::Arc::new(block_core::http::MockTransport::new([
        block_core::http::Exchange::get("https://api.example.com/a").respond_body(200, "ok"),
        block_core::http::Exchange::get("https://other.test/b").respond_body(200, "ok"),
    ]));
    let client = block_core::http::HttpClient::new(block_core::http::HttpPolicy::default(), mock.clone());
    client.get("https://api.example.com/a").host_scoped(&credentials).send().await.expect("sent");
    client.get("https://other.test/b").host_scoped(&credentials).send().await.expect("sent");
    let requests = mock.requests();
    assert_eq!(requests[0].headers.get("x-api-token").map(|v| v.as_bytes()), Some(&b"scoped-canary-42"[..]));
    assert!(requests[1].headers.get("x-api-token").is_none(), "another host never sees the header");
}
