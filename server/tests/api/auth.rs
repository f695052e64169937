//! Authentication: API keys, their statuses, bearer tokens, the rate limit.

use block_server::Settings;
use block_server::domain::KeyStatus;
use block_server::domain::Scope;

use crate::support::{Options, REQUEST_ID, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_usable_credentials_get_401() {
    let server = TestServer::start("auth-401").await;
    let client = server.client();
    client.get("/external-api/v1/me").await.expect(200);
    let anonymous = client.with_key(None);
    assert_eq!(anonymous.get("/external-api/v1/me").await.expect(401).code(), "missing_credentials");
    let wrong = client.with_key(Some("blk_not-a-real-key"));
    assert_eq!(wrong.get("/external-api/v1/me").await.expect(401).code(), "invalid_api_key");
    let bearer =
        anonymous.send("GET", "/external-api/v1/me", None, &[("authorization", "Bearer agpt_xt_unknown")]).await;
    assert_eq!(bearer.expect(401).code(), "invalid_token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_stops_working_at_once_and_a_suspended_one_until_resumed() {
    let server = TestServer::start("auth-revoke").await;
    let key = server.key_with(&[Scope::Identity]).await;
    let client = server.client().with_key(Some(&key));
    let me = client.get("/external-api/v1/me").await;
    me.expect(200);
    assert_eq!(me.json()["id"], server.user_id.as_str());
    assert_eq!(me.json()["timezone"], "UTC");
    let storage = server.storage();
    let keys = storage.api_keys(&server.user_id).await.expect("keys");
    let record = keys.iter().find(|record| record.scopes == [Scope::Identity]).expect("the key is listed");
    assert_eq!(record.status, KeyStatus::Active);
    let (head, tail) = record.hint.split_once("...").expect("the hint shows both ends");
    assert!(key.starts_with(head) && key.ends_with(tail) && head.len() + tail.len() < 16);

    storage.set_api_key_status(&server.user_id, &record.id, KeyStatus::Suspended).await.expect("suspended");
    assert_eq!(client.get("/external-api/v1/me").await.expect(401).code(), "api_key_suspended");
    storage.set_api_key_status(&server.user_id, &record.id, KeyStatus::Active).await.expect("resumed");
    client.get("/external-api/v1/me").await.expect(200);
    storage.set_api_key_status(&server.user_id, &record.id, KeyStatus::Revoked).await.expect("revoked");
    assert_eq!(client.get("/external-api/v1/me").await.expect(401).code(), "api_key_revoked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_answers_429_with_retry_after_and_counts_per_key() {
    let settings = Settings { rate_limit_per_minute: 2, ..Settings::default() };
    let server = TestServer::start_with("auth-rate", Options { settings, ..Options::default() }).await;
    let client = server.client();
    let first = client.get("/external-api/v1/me").await;
    first.expect(200);
    assert_eq!(first.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(first.header("x-ratelimit-remaining"), Some("1"));
    assert!(first.header("x-ratelimit-reset").is_some());
    client.get("/external-api/v1/me").await.expect(200);
    let refused = client.get("/external-api/v1/me").await;
    assert_eq!(refused.expect(429).code(), "rate_limited");
    let retry: u64 = refused.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&retry));
    assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
    let other = server.key_with(&[Scope::Identity]).await;
    server.client().with_key(Some(&other)).get("/external-api/v1/me").await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_bearer_tokens_get_rfc_6750_challenges() {
    let server = TestServer::start("auth-bearer-challenge").await;
    let client = server.client();
    let unknown = client.with_key(Some("bat_never-issued")).get("/external-api/v1/me").await;
    let challenge = unknown.expect(401).header("www-authenticate").expect("a challenge on 401");
    assert!(challenge.starts_with("Bearer ") && challenge.contains(r#"error="invalid_token""#), "{challenge}");

    let reader = server.bearer_with(&[Scope::ReadBlock]).await;
    let narrow = client.with_key(Some(&reader)).get("/external-api/v1/me").await;
    assert_eq!(narrow.expect(403).code(), "missing_scopes");
    let challenge = narrow.header("www-authenticate").expect("a challenge on 403");
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(challenge.contains(r#"error="insufficient_scope""#), "{challenge}");
    assert!(challenge.contains(r#"scope="IDENTITY""#), "the scope the route needs: {challenge}");

    let both = client.with_key(Some(&reader)).post("/external-api/v1/triggers", &serde_json::json!({})).await;
    let challenge = both.expect(403).header("www-authenticate").expect("a challenge").to_owned();
    assert!(challenge.contains(r#"scope="MANAGE_INTEGRATIONS EXECUTE_BLOCK""#), "every scope it needs: {challenge}");
    client.with_key(Some(&reader)).get("/external-api/v1/blocks").await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_a_request_id_echoing_the_one_sent() {
    let server = TestServer::start("auth-request-id").await;
    let client = server.client();
    let anonymous = client.with_key(None);
    let sent = [("x-request-id", "client-chosen-42")];
    for answer in [
        client.send("GET", "/external-api/v1/me", None, &sent).await,
        anonymous.send("GET", "/external-api/v1/me", None, &sent).await,
        anonymous.send("GET", "/healthz", None, &sent).await,
        client.send("GET", "/external-api/v1/no-such-route", None, &sent).await,
        client.send("POST", "/external-api/v1/blocks/nope/execute", Some(&serde_json::json!({})), &sent).await,
    ] {
        assert_eq!(answer.header(REQUEST_ID), Some("client-chosen-42"), "{} {}", answer.status, answer.text);
    }
    let first = client.get("/external-api/v1/me").await;
    let second = anonymous.get("/external-api/v1/me").await;
    let ids: Vec<&str> = [&first, &second].iter().filter_map(|answer| answer.header(REQUEST_ID)).collect();
    assert_eq!(ids.len(), 2, "made by the server when the client sends none");
    assert_ne!(ids[0], ids[1], "one per request");
    for id in ids {
        uuid::Uuid::parse_str(id).unwrap_or_else(|error| panic!("{id} is not a UUID: {error}"));
    }
}
