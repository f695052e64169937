//! The run queue's claims: turns between users, the per-user limit, and a
//! claim that reads only what it takes.

use std::time::Duration;

use block_server::domain::{Run, RunKind, RunSource, RunStatus};
use block_server::storage::SqliteStorage;
use block_server::storage::prelude::*;
use serde_json::{Map, json};

use crate::support::fresh_dir;

const LEASE: Duration = Duration::from_secs(30);

fn queued(id: &str, user: &str, created_at: i64) -> Run {
    Run {
        id: id.to_owned(),
        kind: RunKind::Block,
        user_id: user.to_owned(),
        block_id: "block".to_owned(),
        parent_id: None,
        source: RunSource::Api,
        source_ref: None,
        status: RunStatus::Queued,
        input: json!({}),
        outputs: Map::new(),
        truncated: Vec::new(),
        error: None,
        charged: 0,
        created_at,
        started_at: None,
        finished_at: None,
        callback_url: None,
    }
}

fn ids(runs: &[Run]) -> Vec<&str> {
    runs.iter().map(|run| run.id.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_take_turns_between_users_oldest_first() {
    let storage = SqliteStorage::open_async(&fresh_dir("run-queue-turns")).await.expect("opens");
    // Ada queued five runs before Bob queued two and Cy one.
    let mut runs: Vec<Run> = (1..=5).map(|n| queued(&format!("ada-{n}"), "ada", n)).collect();
    runs.extend([queued("bob-1", "bob", 10), queued("bob-2", "bob", 11), queued("cy-1", "cy", 12)]);
    storage.create_runs(runs).await.expect("queued");
    let first = storage.claim("w", 5, 25, LEASE).await.expect("claims");
    assert_eq!(ids(&first), ["ada-1", "bob-1", "cy-1", "ada-2", "bob-2"], "every user's oldest run first");
    assert!(first.iter().all(|run| run.status == RunStatus::Running), "claimed runs are running");
    let rest = storage.claim("w", 5, 25, LEASE).await.expect("claims");
    assert_eq!(ids(&rest), ["ada-3", "ada-4", "ada-5"], "then what is left, in order");
    assert!(storage.claim("w", 5, 25, LEASE).await.expect("claims").is_empty(), "a run is claimed once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_user_runs_more_than_the_per_user_limit() {
    let storage = SqliteStorage::open_async(&fresh_dir("run-queue-limit")).await.expect("opens");
    let mut runs: Vec<Run> = (1..=6).map(|n| queued(&format!("ada-{n}"), "ada", n)).collect();
    runs.push(queued("bob-1", "bob", 20));
    storage.create_runs(runs).await.expect("queued");
    let first = storage.claim("w", 10, 2, LEASE).await.expect("claims");
    assert_eq!(ids(&first), ["ada-1", "bob-1", "ada-2"], "two of Ada's, Bob's one");
    assert!(storage.claim("w", 10, 2, LEASE).await.expect("claims").is_empty(), "Ada is at her limit");
    // One of Ada's runs ends: one more of hers may start.
    storage
        .finish_run(block_server::storage::RunEnd {
            id: "ada-1".into(),
            status: RunStatus::Completed,
            outputs: Map::new(),
            truncated: Vec::new(),
            error: None,
            charged: 0,
            finished_at: 100,
        })
        .await
        .expect("ended");
    storage.flush().await.expect("written");
    assert_eq!(ids(&storage.claim("w", 10, 2, LEASE).await.expect("claims")), ["ada-3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_queue_is_claimed_a_few_runs_at_a_time_in_order() {
    let storage = SqliteStorage::open_async(&fresh_dir("run-queue-long")).await.expect("opens");
    let runs: Vec<Run> = (0..5_000).map(|n| queued(&format!("run-{n:05}"), &format!("user-{}", n % 7), n)).collect();
    storage.create_runs(runs).await.expect("queued");
    let mut seen = 0;
    let mut last_turn_start = -1;
    while seen < 5_000 {
        let claimed = storage.claim("w", 7, 1_000, LEASE).await.expect("claims");
        assert_eq!(claimed.len(), 7, "a full turn of the seven users");
        // Seven users with equal queues: each turn is the next seven runs.
        let created: Vec<i64> = claimed.iter().map(|run| run.created_at).collect();
        assert!(created.windows(2).all(|pair| pair[0] < pair[1]), "oldest first within a turn: {created:?}");
        assert!(created[0] > last_turn_start, "turns move forward");
        last_turn_start = created[0];
        seen += claimed.len();
        if 5_000 - seen < 7 {
            let rest = storage.claim("w", 7, 1_000, LEASE).await.expect("claims");
            assert_eq!(rest.len(), 5_000 - seen);
            break;
        }
    }
}
