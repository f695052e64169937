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
        HttpError::Unmatched { method, url, .. } => {
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

fn report_of(error: HttpError) -> String {
    match error {
        HttpError::Unmatched { report, .. } => report,
        other => panic!("expected Unmatched, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unmatched_request_is_shown_beside_the_closest_exchange_with_the_json_difference_by_pointer() {
    let url = "https://api.example.com/v1/messages";
    let mock = Arc::new(MockTransport::new([
        Exchange::get("https://api.example.com/v1/users"),
        Exchange::post(url).json_body(json!({"text": "hello", "tags": ["a", "b"], "meta": {"draft": false}})),
        Exchange::post("https://other.example.com/v1/messages"),
    ]));
    let error = client(&mock)
        .post(url)
        .header("x-trace", "t-1")
        .json(&json!({"text": "hi", "tags": ["a"], "meta": {"draft": false, "extra": 1}}))
        .send()
        .await
        .unwrap_err();
    let message = error.to_string();
    let report = report_of(error);
    assert_eq!(
        report,
        "  sent: POST https://api.example.com/v1/messages\n\
         \x20   content-type: `application/json`\n\
         \x20   x-trace: `t-1`\n\
         \x20   body: {\"text\":\"hi\",\"tags\":[\"a\"],\"meta\":{\"draft\":false,\"extra\":1}}\n\
         \x20 closest declared exchange (#2): POST https://api.example.com/v1/messages\n\
         \x20   - body at /text: expected \"hello\", sent \"hi\"\n\
         \x20   - body at /tags: expected 2 items, sent 1\n\
         \x20   - body at /meta/extra: not expected, sent 1"
    );
    assert!(message.contains(&report), "the error carries the report: {message}");
    assert_eq!(mock.unmatched_reports(), std::slice::from_ref(&report));
    let verdict = mock.verify().unwrap_err();
    assert!(verdict.contains(&report), "{verdict}");
}

#[tokio::test]
async fn the_closest_exchange_names_a_wrong_method_url_part_or_header() {
    let mock = Arc::new(MockTransport::new([
        Exchange::put("https://api.example.com/v1/items/7"),
        Exchange::get("https://api.example.com/v1/items?page=2&q=x"),
        Exchange::get("https://api.example.com/v1/me").header("accept", "application/json"),
    ]));
    let client = client(&mock);
    let method = report_of(client.patch("https://api.example.com/v1/items/7").send().await.unwrap_err());
    assert!(
        method.ends_with("(#1): PUT https://api.example.com/v1/items/7\n    - method: expected PUT, sent PATCH"),
        "{method}"
    );
    let query = report_of(client.get("https://api.example.com/v1/items?page=3&q=x").send().await.unwrap_err());
    assert!(query.ends_with("    - URL query: expected `page=2&q=x`, sent `page=3&q=x`"), "{query}");
    let path = report_of(client.get("https://api.example.com/v1/itemz?page=2&q=x").send().await.unwrap_err());
    assert!(path.ends_with("    - URL path: expected `/v1/items`, sent `/v1/itemz`"), "{path}");
    let header =
        report_of(client.get("https://api.example.com/v1/me").header("accept", "text/html").send().await.unwrap_err());
    assert!(header.ends_with("    - header accept: expected `application/json`, sent `text/html`"), "{header}");
    let missing = report_of(client.get("https://api.example.com/v1/me").send().await.unwrap_err());
    assert!(missing.ends_with("    - header accept: expected `application/json`, not sent"), "{missing}");
}

#[tokio::test]
async fn reports_never_show_credentials_sent_or_expected() {
    let mock = Arc::new(MockTransport::new([Exchange::post("https://api.example.com/token")
        .header("authorization", "Bearer expected-token-123")
        .header("x-api-key", "expected-key-456")
        .json_body(json!({"client_secret": "expected-secret-789", "grant": "code"}))]));
    let token = secrecy::SecretString::from("sent-token-abc");
    let error = client(&mock)
        .post("https://api.example.com/token?api_key=sent-query-key")
        .bearer_auth(&token)
        .header("x-api-key", "sent-key-def")
        .json(&json!({"client_secret": "sent-secret-ghi", "grant": "refresh"}))
        .send()
        .await
        .unwrap_err();
    let texts = [error.to_string(), format!("{error:?}"), mock.verify().unwrap_err()];
    for secret in [
        "expected-token-123",
        "expected-key-456",
        "expected-secret-789",
        "sent-token-abc",
        "sent-key-def",
        "sent-secret-ghi",
        "sent-query-key",
    ] {
        for text in &texts {
            assert!(!text.contains(secret), "`{secret}` leaked into: {text}");
        }
    }
    let report = report_of(error);
    assert!(report.contains("    authorization: [redacted]\n"), "{report}");
    assert!(
        report.contains("- header authorization: the value sent differs (not shown: it is a credential)"),
        "{report}"
    );
    assert!(report.contains("- body at /grant: expected \"code\", sent \"refresh\""), "{report}");
    assert!(report.contains("- body at /client_secret: expected [redacted], sent [redacted]"), "{report}");
}

#[tokio::test]
async fn a_request_matching_a_used_single_use_exchange_is_told_so() {
    let url = "https://api.example.com/once";
    let mock = Arc::new(MockTransport::new([Exchange::get(url)]));
    let client = client(&mock);
    client.get(url).send().await.unwrap();
    let report = report_of(client.get(url).send().await.unwrap_err());
    assert!(report.ends_with("(#1): GET https://api.example.com/once\n    - it was used already and answers once; declare it again for each request, or make it `.repeatable()`"), "{report}");
}

#[tokio::test]
async fn with_nothing_declared_the_report_says_so() {
    let mock = Arc::new(MockTransport::new([]));
    let report = report_of(client(&mock).get("https://api.example.com/x").send().await.unwrap_err());
    assert_eq!(report, "  sent: GET https://api.example.com/x\n    body: no body\n  no exchange is declared");
}
