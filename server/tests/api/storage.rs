//! The SQLite storage under the API: run writes committed in groups, paid
//! starts in one transaction, refunds of runs a crash interrupted, and changes
//! made by another process seen at once.

use block_server::domain::Scope;
use std::time::Duration;

use block_server::domain::{KeyStatus, OAuthToken, Run, RunKind, RunSource, RunStatus, TokenKind, User};
use block_server::storage::prelude::*;
use block_server::storage::{Admission, Recovered, RunEnd, SqliteStorage};
use serde_json::json;

use crate::support::{TestServer, fresh_dir, runs_of};

async fn storage_with_user(name: &str, credits: u64) -> (SqliteStorage, User) {
    let storage = SqliteStorage::open(&fresh_dir(name)).expect("the storage opens");
    let user = User {
        id: "9f2d7c1e-5b3a-4e8f-a6d0-1c2b3d4e5f60".to_owned(),
        name: "Ada".to_owned(),
        email: "ada@example.com".to_owned(),
        timezone: "UTC".to_owned(),
    };
    storage.create_user(user.clone(), credits).await.expect("the user is created");
    (storage, user)
}

fn running(id: usize, user: &User, charged: u64) -> Run {
    Run {
        id: format!("00000000-0000-4000-8000-{id:012}"),
        kind: RunKind::Block,
        user_id: user.id.clone(),
        block_id: "470bd006-adb0-48de-a0d9-b3a7de19568b".to_owned(),
        parent_id: None,
        source: RunSource::Api,
        source_ref: None,
        status: RunStatus::Running,
        input: json!({"operation": "add", "a": 1, "b": 0}),
        outputs: serde_json::Map::new(),
        truncated: Vec::new(),
        error: None,
        charged,
        created_at: 1_700_000_000_000 + i64::try_from(id).expect("small"),
        started_at: Some(1_700_000_000_000 + i64::try_from(id).expect("small")),
        finished_at: None,
        callback_url: None,
    }
}

fn completed(run: &Run) -> RunEnd {
    let mut outputs = serde_json::Map::new();
    outputs.insert("result".to_owned(), json!([1]));
    RunEnd {
        id: run.id.clone(),
        status: RunStatus::Completed,
        outputs,
        truncated: Vec::new(),
        error: None,
        charged: run.charged,
        finished_at: run.created_at + 1000,
    }
}

const LEASE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_queued_without_waiting_are_all_stored_in_their_last_state() {
    let (storage, user) = storage_with_user("records-queue", 0).await;
    for id in 0..1000 {
        let run = running(id, &user, 0);
        // A free run answered inline: written with the next group, not waited for.
        storage.begin_inline(run.clone(), "worker", LEASE, 0, "execute").await.expect("begun");
        if id % 3 != 0 {
            // Not awaited: the end is taken at the call.
            drop(storage.finish_run(completed(&run)));
        }
    }
    let records = runs_of(&storage, &user.id, 5000).await;
    assert_eq!(records.len(), 1000, "one row per run");
    let finished = records.iter().filter(|record| record.status == RunStatus::Completed).count();
    assert_eq!(finished, 666, "the later state of a run wins");
    let still_running = records.iter().filter(|record| record.status == RunStatus::Running).count();
    assert_eq!(still_running, 334);
    assert!(records.iter().filter(|r| r.status == RunStatus::Completed).all(|r| r.outputs["result"] == json!([1])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_start_charges_and_records_together_or_writes_nothing() {
    let (storage, user) = storage_with_user("paid-start", 5).await;
    let first = running(1, &user, 3);
    let outcome = storage.begin_inline(first.clone(), "worker", LEASE, 3, "execute PaidEchoBlock").await;
    assert_eq!(outcome.expect("the start"), Admission::Started);
    let second = running(2, &user, 3);
    let refused = storage.begin_inline(second, "worker", LEASE, 3, "execute PaidEchoBlock").await;
    assert_eq!(refused.expect("the start"), Admission::Insufficient { balance: 2 });

    let records = runs_of(&storage, &user.id, 10).await;
    assert_eq!(records.len(), 1, "the refused start left no record: {records:?}");
    assert_eq!(
        (records[0].id.as_str(), records[0].status, records[0].charged),
        (first.id.as_str(), RunStatus::Running, 3)
    );
    let ledger = storage.ledger(&user.id, 10).await.expect("the ledger");
    let charges: Vec<_> = ledger.iter().filter(|row| row.amount < 0).collect();
    assert_eq!(charges.len(), 1, "{ledger:?}");
    assert_eq!((charges[0].amount, charges[0].execution_id.as_deref()), (-3, Some(first.id.as_str())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_refunds_each_interrupted_run_once_and_leaves_finished_ones() {
    let (storage, user) = storage_with_user("recovery", 100).await;
    let begin = |run: Run, charge: u64| storage.begin_inline(run, "worker", LEASE, charge, "execute PaidEchoBlock");
    // Interrupted mid-run: charged 4.
    let interrupted = running(1, &user, 4);
    begin(interrupted.clone(), 4).await.expect("started");
    // Finished: charged 5, stays charged.
    let finished = running(2, &user, 5);
    begin(finished.clone(), 5).await.expect("started");
    storage.finish_run(completed(&finished)).await.expect("recorded");
    // Refunded already (did not start) but its end was never recorded: nothing more to give back.
    let refunded = running(3, &user, 6);
    begin(refunded.clone(), 6).await.expect("started");
    storage.grant(&user.id, 6, "refund: PaidEchoBlock did not start", Some(&refunded.id)).await.expect("refunded");
    // A free run interrupted: nothing to refund, still marked.
    begin(running(4, &user, 0), 0).await.expect("started");
    assert_eq!(storage.balance(&user.id).await.expect("balance"), 100 - 4 - 5);

    let recovered = storage.recover(true).await.expect("recovery");
    assert_eq!(recovered, Recovered { requeued: 0, interrupted: 3, refunded: 4 });
    assert_eq!(storage.balance(&user.id).await.expect("balance"), 100 - 5, "only the finished run stays charged");
    let again = storage.recover(true).await.expect("a second recovery");
    assert_eq!(again, Recovered::default(), "nothing is refunded twice");
    assert_eq!(storage.balance(&user.id).await.expect("balance"), 95);

    let records = runs_of(&storage, &user.id, 10).await;
    let status = |id: &str| records.iter().find(|record| record.id == id).map(|record| (record.status, record.charged));
    assert_eq!(status(&interrupted.id), Some((RunStatus::Interrupted, 0)));
    assert_eq!(status(&finished.id), Some((RunStatus::Completed, 5)));
    assert_eq!(status(&refunded.id), Some((RunStatus::Interrupted, 6)));
    let ledger = storage.ledger(&user.id, 20).await.expect("the ledger");
    let refund = ledger.iter().find(|row| row.reason.starts_with("refund: the server stopped")).expect("a refund row");
    assert_eq!((refund.amount, refund.execution_id.as_deref()), (4, Some(interrupted.id.as_str())));
    let sum: i64 = ledger.iter().map(|row| row.amount).sum();
    assert_eq!(sum, 95, "the balance is the ledger's sum");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_suspended_resumed_or_revoked_by_another_process_counts_at_the_next_request() {
    let server = TestServer::start("revoke-elsewhere").await;
    let key = server.key_with(&[Scope::Identity]).await;
    let client = server.client().with_key(Some(&key));
    for _ in 0..20 {
        client.get("/external-api/v1/me").await.expect(200);
    }
    // What `block-server keys revoke` does: its own connection to the same file.
    let other = SqliteStorage::open(&server.dir).expect("a second process opens the storage");
    let keys = other.api_keys(&server.user_id).await.expect("keys");
    let record = keys.iter().find(|record| record.scopes == [Scope::Identity]).expect("the key");
    for (status, answer) in [
        (KeyStatus::Suspended, Some("api_key_suspended")),
        (KeyStatus::Active, None),
        (KeyStatus::Revoked, Some("api_key_revoked")),
    ] {
        other.set_api_key_status(&server.user_id, &record.id, status).await.expect("changed");
        for _ in 0..8 {
            let got = client.get("/external-api/v1/me").await;
            match answer {
                Some(code) => assert_eq!(got.expect(401).code(), code),
                None => drop(got.expect(200)),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_execution_through_the_api_is_recorded_and_a_paid_one_before_its_answer() {
    let server = TestServer::start("records-api").await;
    let client = server.client();
    for _ in 0..25 {
        client
            .post(
                "/external-api/v1/blocks/470bd006-adb0-48de-a0d9-b3a7de19568b/execute",
                &json!({"operation": "add", "a": 1, "b": 2}),
            )
            .await
            .expect(200);
    }
    client.post("/external-api/v1/blocks/PaidEchoBlock/execute", &json!({"text": "x"})).await.expect(200);
    // A second process sees the paid run's final record as soon as the answer is in.
    let other = SqliteStorage::open(&server.dir).expect("opens");
    let seen = runs_of(&other, &server.user_id, 100).await;
    let paid: Vec<_> = seen.iter().filter(|record| record.charged > 0).collect();
    assert_eq!(paid.len(), 1, "{seen:?}");
    assert_eq!(paid[0].status, RunStatus::Completed, "{paid:?}");
    let all = runs_of(server.storage().as_ref(), &server.user_id, 100).await;
    assert_eq!(all.len(), 26);
    assert!(all.iter().all(|record| record.status == RunStatus::Completed), "{all:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_changed_around_the_storage_is_refused_within_a_second() {
    let server = TestServer::start("revoke-by-hand").await;
    let key = server.key_with(&[Scope::Identity]).await;
    let client = server.client().with_key(Some(&key));
    client.get("/external-api/v1/me").await.expect(200);
    // Another SQLite client, not this storage: nothing tells the server's cache.
    let db = rusqlite::Connection::open(server.dir.join(block_server::storage::DATABASE_FILE)).expect("opens");
    db.busy_timeout(std::time::Duration::from_secs(5)).expect("busy timeout");
    let changed = db
        .execute("UPDATE api_keys SET status = 'suspended' WHERE scopes = 'IDENTITY'", [])
        .expect("the key is suspended by hand");
    assert_eq!(changed, 1);
    let start = std::time::Instant::now();
    loop {
        let answer = client.get("/external-api/v1/me").await;
        if answer.status == 401 {
            assert_eq!(answer.code(), "api_key_suspended");
            break;
        }
        answer.expect(200);
        assert!(start.elapsed() < std::time::Duration::from_secs(2), "still accepted after {:?}", start.elapsed());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuing_a_token_deletes_the_ones_expired_a_day_ago_and_keeps_the_rest() {
    let (storage, user) = storage_with_user("token-pruning", 0).await;
    let now = i64::try_from(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs(),
    )
    .expect("fits");
    let token = |byte: u8, kind: TokenKind, expires_at: i64| OAuthToken {
        hash: [byte; 32],
        kind,
        client_id: None,
        user_id: user.id.clone(),
        scopes: vec![Scope::Identity],
        family: format!("family-{byte}"),
        redirect_uri: None,
        code_challenge: None,
        resource: None,
        expires_at,
        used_at: None,
        revoked_at: None,
    };
    storage.put_oauth_token(token(1, TokenKind::Session, now - 2 * 24 * 3600)).await.expect("stored");
    storage.put_oauth_token(token(2, TokenKind::Code, now - 60)).await.expect("stored");
    storage.put_oauth_token(token(3, TokenKind::Session, now + 3600)).await.expect("stored");
    assert!(storage.oauth_token(&[1; 32]).await.expect("read").is_none(), "a session expired two days ago is gone");
    assert!(storage.oauth_token(&[2; 32]).await.expect("read").is_some(), "a code expired a minute ago stays a day");
    assert!(storage.oauth_token(&[3; 32]).await.expect("read").is_some(), "a live session stays");
}
