//! Durable runs per second: RUNS (default 2,000) runs of a trivial block
//! queued in one transaction, then the time until every one is recorded
//! completed, on the embedded SQLite storage (workers in this process) and
//! on PostgreSQL with 1, 2 and 4 worker processes. Printed, not asserted:
//! a figure of this machine.

use std::sync::Arc;
use std::time::{Duration, Instant};

use block_server::domain::{Cipher, Run, RunKind, RunSource, RunStatus, User, now_millis};
use block_server::services::AppState;
use block_server::services::runs::Workers;
use block_server::storage::prelude::*;
use block_server::storage::{PostgresStorage, RunFilter, SqliteStorage, Storage};
use block_server::{Settings, SharedRegistry};
use serde_json::json;

use crate::{Database, kill, spawn};

/// The calculator block (free, instant).
const CALCULATOR: &str = "470bd006-adb0-48de-a0d9-b3a7de19568b";

fn runs_to_queue(user: &User, total: usize) -> Vec<Run> {
    let now = now_millis();
    (0..total)
        .map(|n| Run {
            id: format!("0190b000-0000-7000-8000-{n:012}"),
            kind: RunKind::Block,
            user_id: user.id.clone(),
            block_id: CALCULATOR.to_owned(),
            parent_id: None,
            source: RunSource::Api,
            source_ref: None,
            status: RunStatus::Queued,
            input: json!({"operation": "add", "a": n, "b": 1}),
            outputs: serde_json::Map::new(),
            truncated: Vec::new(),
            error: None,
            charged: 0,
            created_at: now,
            started_at: None,
            finished_at: None,
            callback_url: None,
        })
        .collect()
}

fn bench_user() -> User {
    User { id: "bench-user".into(), name: "bench".into(), email: "bench@localhost".into(), timezone: "UTC".into() }
}

/// Queues `total` runs at once and waits until all completed: runs/s.
async fn measure(storage: &dyn Storage, user: &User, total: usize) -> f64 {
    let started = Instant::now();
    storage.create_runs(runs_to_queue(user, total)).await.expect("queued");
    let filter = RunFilter { status: Some(RunStatus::Completed), ..RunFilter::default() };
    let deadline = started + Duration::from_secs(600);
    loop {
        let done = storage.runs(&user.id, &filter, None, 1).await.expect("counted").total_count;
        if done >= total as u64 {
            break;
        }
        let failed = RunFilter { status: Some(RunStatus::Failed), ..RunFilter::default() };
        let failed = storage.runs(&user.id, &failed, None, 1).await.expect("counted").items;
        assert!(failed.is_empty(), "a bench run failed: {:?}", failed[0].error);
        assert!(Instant::now() < deadline, "only {done} of {total} runs completed in 10 minutes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    total as f64 / started.elapsed().as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "starts worker processes on PostgreSQL and measures; run with --ignored"]
async fn durable_runs_per_second_with_one_two_and_four_worker_processes() {
    let total: usize = std::env::var("RUNS").ok().and_then(|value| value.parse().ok()).unwrap_or(2000);
    let scratch = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let user = bench_user();

    // The embedded figure: SQLite, workers in this process.
    let storage = Arc::new(SqliteStorage::open_async(&scratch).await.expect("the SQLite storage opens"));
    storage.create_user(user.clone(), 0).await.expect("a user");
    let registry: SharedRegistry = block_core::Registry::global().expect("a registry").into();
    let settings = Settings { rate_limit_per_minute: 0, runs_per_user: 10_000, ..Settings::default() };
    let state = AppState::builder(registry, storage.clone(), Cipher::new(&[7; 32]))
        .settings(settings)
        .build()
        .await
        .expect("the state builds");
    let workers = Workers::start(state);
    let sqlite = measure(storage.as_ref(), &user, total).await;
    workers.shutdown(Duration::from_secs(5)).await;
    println!("durable runs/s, {total} runs of a trivial block queued at once:");
    println!("  SQLite (embedded, one process):     {sqlite:>7.0}");

    for processes in [1, 2, 4] {
        let database = Database::create(&format!("bench{processes}")).await;
        let storage = PostgresStorage::connect(&database.url).await.expect("the database answers");
        storage.create_user(user.clone(), 0).await.expect("a user");
        let mut children: Vec<_> = (0..processes).map(|_| spawn("worker", &database.url, None, &scratch)).collect();
        // Started and listening before anything is queued: what is measured is
        // the queue, not process start-up.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let figure = measure(&storage, &user, total).await;
        children.iter_mut().for_each(kill);
        println!(
            "  PostgreSQL, {processes} worker process{}:       {figure:>7.0}",
            if processes == 1 { " " } else { "es" }
        );
        drop(storage);
        database.drop_now().await;
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
