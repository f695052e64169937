//! Authentication: API keys, their statuses, bearer tokens, the rate limit.

use block_server::Settings;
use block_server::domain::KeyStatus;
use block_server::domain::Scope;

use crate::support::{Options, TestServer};

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
