//! The run engine on the embedded storage: queued runs of a trivial block through
//! enqueue -> claim -> run -> record, measured and printed (not a timed test).
//!
//! `cargo bench -p block-server --bench runs` (or `bash bench/runs.sh`).
//!
//! 1. Throughput: RUNS (default 10,000) runs queued at once, then the time until
//!    every one is recorded completed; runs/s.
//! 2. Queue latency: runs queued at RATE per second (default 500) for SECONDS
//!    (default 10); for each, the time from being queued to its block starting;
//!    p50 / p99 / max.

use std::sync::Arc;
use std::time::{Duration, Instant};

use block_core::Registry;
use block_core::prelude::*;
use block_server::domain::{Cipher, RunSource, RunStatus, User};
use block_server::services::AppState;
use block_server::services::runs::{self, NewRun, Workers};
use block_server::storage::prelude::*;
use block_server::storage::{RunFilter, SqliteStorage};
use block_server::{Settings, SharedRegistry};

/// Inputs of the trivial block.
#[derive(BlockInput)]
pub struct NoopInput {
    /// A number.
    pub n: u64,
}

/// Outputs of the trivial block.
#[derive(BlockOutput)]
pub enum NoopOutput {
    /// The number again.
    Same(u64),
}

/// Emits its input: the smallest block there is.
#[block(id = "8d6b1f0a-4c2e-4e71-9a3b-5f0c7d2e1a94", categories(Basic), untested = "a bench fixture")]
pub struct NoopBlock;

impl Run for NoopBlock {
    type Input = NoopInput;
    type Output = NoopOutput;

    async fn run(&self, input: NoopInput, _ctx: &RunContext, out: &Emit<NoopOutput>) -> Result<(), BlockError> {
        out.emit(NoopOutput::Same(input.n)).await
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

async fn state(dir: &std::path::Path) -> (AppState, User) {
    let registry: SharedRegistry = Registry::builder().block::<NoopBlock>().build().expect("a registry").into();
    let storage = Arc::new(SqliteStorage::open_async(dir).await.expect("the storage opens"));
    let settings = Settings { rate_limit_per_minute: 0, ..Settings::default() };
    let state = AppState::builder(registry, storage.clone(), Cipher::new(&[7; 32]))
        .settings(settings)
        .build()
        .await
        .expect("the state builds");
    let user = User {
        id: "00000000-0000-4000-8000-000000000001".into(),
        name: "bench".into(),
        email: "bench@localhost".into(),
        timezone: "UTC".into(),
    };
    storage.create_user(user.clone(), 0).await.expect("a user");
    (state, user)
}

async fn queue(state: &AppState, user: &User, n: u64) {
    let block = state.registry().by_id("8d6b1f0a-4c2e-4e71-9a3b-5f0c7d2e1a94").expect("registered");
    runs::enqueue(state, NewRun::block(&user.id, RunSource::Api), block, json!({"n": n})).await.expect("queued");
}

async fn completed(state: &AppState, user: &User) -> u64 {
    let filter = RunFilter { status: Some(RunStatus::Completed), ..RunFilter::default() };
    state.storage().runs(&user.id, &filter, None, 1).await.expect("runs").total_count
}

fn percentile(sorted: &[i64], fraction: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let total = env_number("RUNS", 10_000);
        let rate = env_number("RATE", 500);
        let seconds = env_number("SECONDS", 10);
        let scratch = std::env::temp_dir().join(format!("blocks-runs-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);

        // 1. Throughput.
        let dir = scratch.join("throughput");
        std::fs::create_dir_all(&dir).expect("a directory");
        let (state, user) = state(&dir).await;
        let started = Instant::now();
        let mut queued = tokio::task::JoinSet::new();
        for chunk in 0..16u64 {
            let (state, user) = (state.clone(), user.clone());
            queued.spawn(async move {
                for n in (chunk..total).step_by(16) {
                    queue(&state, &user, n).await;
                }
            });
        }
        while queued.join_next().await.is_some() {}
        let enqueue_time = started.elapsed();
        let workers = Workers::start(state.clone());
        while completed(&state, &user).await < total {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let elapsed = started.elapsed();
        workers.shutdown(Duration::from_secs(5)).await;
        println!(
            "throughput: {total} runs queued in {:.2} s, all completed in {:.2} s: {:.0} runs/s end to end",
            enqueue_time.as_secs_f64(),
            elapsed.as_secs_f64(),
            total as f64 / elapsed.as_secs_f64()
        );

        // 2. Queue latency at a steady rate, workers running.
        let dir = scratch.join("latency");
        std::fs::create_dir_all(&dir).expect("a directory");
        let (state, user) = self::state(&dir).await;
        let workers = Workers::start(state.clone());
        let count = rate * seconds;
        let every = Duration::from_secs_f64(1.0 / rate as f64);
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut sent = tokio::task::JoinSet::new();
        for n in 0..count {
            ticker.tick().await;
            let (state, user) = (state.clone(), user.clone());
            sent.spawn(async move { queue(&state, &user, n).await });
        }
        while sent.join_next().await.is_some() {}
        while completed(&state, &user).await < count {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        workers.shutdown(Duration::from_secs(5)).await;
        let mut latencies = Vec::with_capacity(count as usize);
        let mut cursor: Option<String> = None;
        loop {
            let page =
                state.storage().runs(&user.id, &RunFilter::default(), cursor.as_deref(), 100).await.expect("runs");
            latencies.extend(page.items.iter().filter_map(|run| Some(run.started_at? - run.created_at)));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        latencies.sort_unstable();
        println!(
            "queue latency at {rate} runs/s for {seconds} s ({} runs): p50 {} ms, p99 {} ms, max {} ms",
            latencies.len(),
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            latencies.last().copied().unwrap_or(0)
        );
        let _ = std::fs::remove_dir_all(&scratch);
    });
}
