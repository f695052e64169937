//! What failed authentication costs: unknown keys are remembered, so repeated
//! tries reach the storage once, and an address that fails too often is refused
//! before any lookup, while other callers go on.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use block_server::Settings;
use block_server::domain::secrets::API_KEY_PREFIX;
use block_server::storage::SqliteStorage;

use crate::support::{CountingStorage, Options, TestServer, fresh_dir};

/// A key of the right shape (prefix and length) that no one was given.
fn unknown_key(n: u8) -> String {
    format!("{API_KEY_PREFIX}{}", char::from(b'a' + n).to_string().repeat(43))
}

/// A server over a storage that counts API key lookups.
async fn counted(name: &str, settings: Settings) -> (TestServer, Arc<CountingStorage>) {
    let dir = fresh_dir(name);
    let storage = Arc::new(CountingStorage::new(SqliteStorage::open(&dir).expect("the storage opens")));
    let options = Options { settings, dir: Some(dir), storage: Some(storage.clone()), ..Options::default() };
    (TestServer::start_with(name, options).await, storage)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_key_is_looked_up_once_and_then_refused_from_memory() {
    let settings = Settings { rate_limit_per_minute: 0, auth_failures_per_minute: 0, ..Settings::default() };
    let (server, storage) = counted("auth-negative-cache", settings).await;
    let stranger = server.client().with_key(Some(&unknown_key(0)));
    let before = storage.key_lookups();
    for _ in 0..5 {
        assert_eq!(stranger.get("/external-api/v1/me").await.expect(401).code(), "invalid_api_key");
    }
    assert_eq!(storage.key_lookups() - before, 1, "five tries, one lookup");
    let other = server.client().with_key(Some(&unknown_key(1)));
    other.get("/external-api/v1/me").await.expect(401);
    assert_eq!(storage.key_lookups() - before, 2, "another key is looked up in its turn");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_failing_past_the_limit_gets_429_before_any_lookup_and_only_it() {
    let settings = Settings { rate_limit_per_minute: 0, auth_failures_per_minute: 3, ..Settings::default() };
    let (server, storage) = counted("auth-failure-limit", settings).await;
    let client = server.client();
    let wrong = |n: u8| client.with_key(Some(&unknown_key(n)));

    for n in 0..3 {
        wrong(n).get("/external-api/v1/me").await.expect(401);
    }
    // Validated from this address while it may still try: remembered as good.
    client.get("/external-api/v1/me").await.expect(200);
    // The fourth failure in a minute passes the limit of three: the address is
    // blocked from now on.
    wrong(3).get("/external-api/v1/me").await.expect(401);
    client.get("/external-api/v1/me").await.expect(200);

    let lookups = storage.key_lookups();
    let refused = wrong(4).get("/external-api/v1/me").await;
    assert_eq!(refused.expect(429).code(), "too_many_failed_attempts");
    let retry: u64 = refused.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    let malformed = client.with_key(Some("blk_not-a-real-key")).get("/external-api/v1/me").await;
    assert_eq!(malformed.expect(429).code(), "too_many_failed_attempts");
    let bearer = client.with_key(Some("bat_never-issued")).get("/external-api/v1/me").await;
    assert_eq!(bearer.expect(429).code(), "too_many_failed_attempts", "bearer tokens share the limit");
    assert_eq!(storage.key_lookups(), lookups, "a blocked address costs the storage nothing");

    let elsewhere = client.connecting_from(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
    elsewhere.get("/external-api/v1/me").await.expect(200);
    let other_failure = elsewhere.with_key(Some(&unknown_key(5))).get("/external-api/v1/me").await;
    assert_eq!(other_failure.expect(401).code(), "invalid_api_key", "another address has its own count");
}
