//! Faults: the server is killed with SIGKILL in the middle of paid executions and
//! restarted, several times; afterwards the database opens cleanly, the balance is
//! the starting balance minus the ledger's charges plus its refunds, no ledger row
//! is lost or doubled, every run a kill interrupted is refunded at the next start
//! and every answered run stays charged. And blocks that hang or panic under load do not slow other executions
//! beyond the execution timeout.
//!
//! And runs queued through the API survive kills too: each one runs at most
//! once, every queued run runs once the server is back, every run whose block had
//! started ends interrupted and refunded, none is lost.
//!
//! Ignored by default (about 20 s); run them with
//! `cargo test --release -p block-server --test faults -- --ignored --nocapture --test-threads=1`.
//!
//! The server runs in a child process: this test binary re-executed with
//! `FAULTS_CHILD_DATA_DIR` set, which makes [`child_server`] serve the data
//! directory (with this file's paid block linked in) instead of testing.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use block_core::prelude::*;
use block_server::domain::RunStatus;
use block_server::storage::SqliteStorage;
use block_server::storage::prelude::*;
use block_server::{ServeConfig, serve};

const CHILD_DATA_DIR: &str = "FAULTS_CHILD_DATA_DIR";
const CHILD_ADDR: &str = "FAULTS_CHILD_ADDR";
const STARTING_CREDITS: u64 = 1_000_000;
const KILLS: usize = 5;
const CONCURRENT_CALLERS: usize = 16;
/// The child server's execution timeout.
const EXECUTION_TIMEOUT: Duration = Duration::from_secs(1);

/// Input of the paid block.
#[derive(BlockInput)]
pub struct PaidInput {
    /// How long the run takes, in milliseconds.
    #[block_input(default = 20, max = 1000)]
    pub millis: u64,
}

/// Outputs of the paid block.
#[derive(BlockOutput)]
pub enum PaidOutput {
    /// Always `true`.
    Done(bool),
}

/// Costs one credit a run and takes a while, so that kills land mid-run.
#[block(id = "5b0e9d3a-7c41-4e2f-9a86-3d1c0b7e4f29", categories(Basic), cost(run = 1), untested = "fault test fixture")]
pub struct PaidSlowBlock;

impl Run for PaidSlowBlock {
    type Input = PaidInput;
    type Output = PaidOutput;
    async fn run(&self, input: PaidInput, _ctx: &RunContext, out: &Emit<PaidOutput>) -> Result<(), BlockError> {
        tokio::time::sleep(Duration::from_millis(input.millis)).await;
        out.emit(PaidOutput::Done(true)).await
    }
}

/// Input of the marked block.
#[derive(BlockInput)]
pub struct MarkedInput {
    /// Written to the start log when the block starts.
    pub token: String,
    /// How long the run takes, in milliseconds.
    #[block_input(default = 50, max = 1000)]
    pub millis: u64,
}

/// Costs one credit a run, and writes its token to `started.log` in the data
/// directory as it starts: a token there twice is a run run twice.
#[block(id = "6e2a1c9b-3d5f-4a70-8b19-2c4d6e8f0a13", categories(Basic), cost(run = 1), untested = "fault test fixture")]
pub struct MarkedSlowBlock;

impl Run for MarkedSlowBlock {
    type Input = MarkedInput;
    type Output = PaidOutput;
    async fn run(&self, input: MarkedInput, _ctx: &RunContext, out: &Emit<PaidOutput>) -> Result<(), BlockError> {
        let log = PathBuf::from(std::env::var(CHILD_DATA_DIR).unwrap_or_default()).join("started.log");
        let token = input.token.clone();
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
            file.write_all(format!("{token}\n").as_bytes())?;
            file.sync_data()
        })
        .await
        .map_err(|error| BlockError::new(error.to_string()))?
        .map_err(|error| BlockError::new(error.to_string()))?;
        tokio::time::sleep(Duration::from_millis(input.millis)).await;
        out.emit(PaidOutput::Done(true)).await
    }
}

/// Input of the misbehaving blocks.
#[derive(BlockInput)]
pub struct NothingInput {}

/// Outputs of the misbehaving blocks.
#[derive(BlockOutput)]
pub enum NothingOutput {
    /// Never emitted.
    Never(bool),
}

/// Never finishes (until the execution timeout).
#[block(id = "0c8f6e2d-1b3a-4c5d-8e7f-9a0b1c2d3e4f", categories(Basic), untested = "fault test fixture")]
pub struct HangingBlock;

impl Run for HangingBlock {
    type Input = NothingInput;
    type Output = NothingOutput;
    async fn run(&self, _input: NothingInput, _ctx: &RunContext, _out: &Emit<NothingOutput>) -> Result<(), BlockError> {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok(())
    }
}

/// Panics at once.
#[block(id = "1d9a7f3e-2c4b-4d6e-9f80-ab1c2d3e4f50", categories(Basic), untested = "fault test fixture")]
pub struct PanickingBlock;

impl Run for PanickingBlock {
    type Input = NothingInput;
    type Output = NothingOutput;
    async fn run(&self, _input: NothingInput, _ctx: &RunContext, _out: &Emit<NothingOutput>) -> Result<(), BlockError> {
        panic!("this block always panics")
    }
}

/// Serves when re-executed by the fault test; does nothing otherwise.
#[test]
#[ignore = "the server process of `survives_sigkill_during_paid_executions`"]
fn child_server() {
    let (Ok(data_dir), Ok(addr)) = (std::env::var(CHILD_DATA_DIR), std::env::var(CHILD_ADDR)) else {
        return;
    };
    let mut config = ServeConfig {
        addr: addr.parse().expect("the parent passes an address"),
        data_dir: PathBuf::from(data_dir),
        ..ServeConfig::default()
    };
    config.settings.rate_limit_per_minute = 0;
    config.settings.starting_credits = STARTING_CREDITS;
    config.settings.execution_timeout = EXECUTION_TIMEOUT;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime
        .block_on(serve(
            config,
            block_core::Registry::global().expect("valid registry"),
            |_| None,
            &mut std::io::stdout(),
        ))
        .expect("the server runs");
}

fn free_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address")
}

fn spawn_server(data_dir: &Path, addr: SocketAddr) -> Child {
    Command::new(std::env::current_exe().expect("this test binary"))
        .args(["child_server", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_DATA_DIR, data_dir)
        .env(CHILD_ADDR, addr.to_string())
        .env_remove("BLOCKS_ENCRYPTION_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server process starts")
}

/// Reads the first start's greeting up to the API key.
fn read_key(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    while let Some(Ok(line)) = lines.next() {
        if line.contains("keep it somewhere safe") {
            let key = lines.by_ref().map_while(Result::ok).find(|line| !line.trim().is_empty());
            std::thread::spawn(move || lines.for_each(drop));
            return key.expect("the key follows").trim().to_owned();
        }
    }
    panic!("the first start printed no API key");
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server did not become ready within 30 s");
}

/// What the callers saw.
#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    succeeded: AtomicU64,
}

/// Runs the paid block from `CONCURRENT_CALLERS` tasks until `stop` is reached.
async fn hammer(client: &reqwest::Client, url: &str, key: &str, tally: &Arc<Tally>, stop: Instant) {
    let mut callers = Vec::new();
    for _ in 0..CONCURRENT_CALLERS {
        let (client, url, key, tally) = (client.clone(), url.to_owned(), key.to_owned(), tally.clone());
        callers.push(tokio::spawn(async move {
            while Instant::now() < stop {
                tally.sent.fetch_add(1, Ordering::SeqCst);
                let response = client
                    .post(&url)
                    .header("X-API-Key", &key)
                    .header("Content-Type", "application/json")
                    .body(r#"{"millis": 20}"#)
                    .send()
                    .await;
                match response {
                    Ok(response) if response.status().is_success() => {
                        let body = response.bytes().await.unwrap_or_default();
                        let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                        if body["done"] == json!([true]) {
                            tally.succeeded.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    // Refused or cut off by the kill: the server is restarting.
                    _ => tokio::time::sleep(Duration::from_millis(5)).await,
                }
            }
        }));
    }
    for caller in callers {
        caller.await.expect("a caller finished");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "kills and restarts a server process several times; run with --ignored"]
async fn survives_sigkill_during_paid_executions() {
    let data_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("faults");
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).expect("the data directory is created");
    let addr = free_address();
    let base = format!("http://{addr}");
    let url = format!("{base}/external-api/v1/blocks/PaidSlowBlock/execute");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().expect("a client");

    let mut child = spawn_server(&data_dir, addr);
    let key = read_key(&mut child);
    wait_ready(&client, &base).await;
    let tally = Arc::new(Tally::default());
    for round in 0..KILLS {
        // Load for a random-ish span, then SIGKILL with executions in flight.
        let span = Duration::from_millis(700 + 137 * round as u64);
        let load = {
            let (client, url, key, tally) = (client.clone(), url.clone(), key.clone(), tally.clone());
            tokio::spawn(async move {
                hammer(&client, &url, &key, &tally, Instant::now() + span + Duration::from_millis(300)).await
            })
        };
        tokio::time::sleep(span).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("the killed server is reaped");
        load.await.expect("the load finished");
        child = spawn_server(&data_dir, addr);
        wait_ready(&client, &base).await;
    }
    // One last round that is not interrupted, to show the restarted server works.
    hammer(&client, &url, &key, &tally, Instant::now() + Duration::from_millis(500)).await;
    child.kill().expect("SIGKILL");
    child.wait().expect("the killed server is reaped");

    let storage = SqliteStorage::open(&data_dir).expect("the database opens cleanly after the kills");
    // What the next start does: runs the last kill interrupted are refunded.
    storage.recover(true).await.expect("the recovery a start runs");
    let user = storage.first_user().await.expect("readable").expect("the local user exists");
    let balance = storage.balance(&user.id).await.expect("a balance");
    let ledger = storage.ledger(&user.id, u32::MAX).await.expect("the ledger");
    let filter = block_server::storage::RunFilter::default();
    let mut records = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = storage.runs(&user.id, &filter, cursor.as_deref(), 100).await.expect("the runs");
        records.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let sent = tally.sent.load(Ordering::SeqCst);
    let succeeded = tally.succeeded.load(Ordering::SeqCst);

    let charges: Vec<_> = ledger.iter().filter(|row| row.reason == "execute PaidSlowBlock").collect();
    let charged: i64 = charges.iter().map(|row| row.amount).sum();
    let refunded: i64 = ledger.iter().filter(|row| row.reason.starts_with("refund")).map(|row| row.amount).sum();
    let ledger_sum: i64 = ledger.iter().map(|row| row.amount).sum();
    let interrupted = records.iter().filter(|record| record.status == RunStatus::Interrupted).count();
    let completed = records.iter().filter(|record| record.status == RunStatus::Completed).count();
    println!(
        "{KILLS} kills; {sent} requests sent, {succeeded} answered with the output, {} charge rows, {completed} runs \
         completed, {interrupted} interrupted and refunded ({refunded} credits); balance {balance} of \
         {STARTING_CREDITS}",
        charges.len(),
    );

    assert_eq!(ledger_sum, balance as i64, "the balance is the sum of the ledger, starting grant included");
    assert_eq!(balance as i64, STARTING_CREDITS as i64 + charged + refunded, "balance = start - charges + refunds");
    let mut ordered = ledger.clone();
    ordered.sort_by_key(|row| row.id);
    let mut running = 0;
    for row in &ordered {
        running += row.amount;
        assert_eq!(row.balance_after, running, "ledger row {} carries the running balance", row.id);
    }
    let executions: HashSet<_> = charges.iter().filter_map(|row| row.execution_id.as_deref()).collect();
    assert_eq!(executions.len(), charges.len(), "no execution is charged twice");
    assert!(charges.len() as u64 >= succeeded, "every answered execution has its charge row (none lost)");
    assert!(charges.len() as u64 <= sent, "no more charges than requests (none doubled)");
    assert!(interrupted > 0, "the kills landed in the middle of runs");
    assert!(completed as u64 >= succeeded, "every answered run is recorded as completed, so never refunded");
    for record in &records {
        assert_ne!(record.status, RunStatus::Running, "no run is left running after the recovery");
        let net: i64 = ledger
            .iter()
            .filter(|row| row.execution_id.as_deref() == Some(record.id.as_str()))
            .map(|row| row.amount)
            .sum();
        let owed = if record.status == RunStatus::Interrupted { 0 } else { -1 };
        assert_eq!(net, owed, "execution {} ({:?}) is charged exactly what it owes", record.id, record.status);
    }
    assert_eq!(records.len(), charges.len(), "every charge has its execution record");
}

/// Calls `block` with `body` from `callers` tasks until `stop`; returns the latency
/// of every answered call and how many answers were not 200.
async fn timed_calls(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    block: &str,
    body: &'static str,
    callers: usize,
    stop: Instant,
) -> (Vec<Duration>, usize) {
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (client, url, key) =
                (client.clone(), format!("{base}/external-api/v1/blocks/{block}/execute"), key.to_owned());
            tokio::spawn(async move {
                let (mut latencies, mut failures) = (Vec::new(), 0);
                while Instant::now() < stop {
                    let start = Instant::now();
                    let response = client
                        .post(&url)
                        .header("X-API-Key", &key)
                        .header("Content-Type", "application/json")
                        .body(body)
                        .send()
                        .await;
                    match response {
                        Ok(response) if response.status().is_success() => {
                            let _ = response.bytes().await;
                            latencies.push(start.elapsed());
                        }
                        _ => failures += 1,
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut all = (Vec::new(), 0);
    for task in tasks {
        let (latencies, failures) = task.await.expect("a caller finished");
        all.0.extend(latencies);
        all.1 += failures;
    }
    all.0.sort();
    all
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "starts a server process and loads it for several seconds; run with --ignored"]
async fn hanging_and_panicking_blocks_do_not_slow_others_beyond_the_timeout() {
    let data_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("faults-neighbours");
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).expect("the data directory is created");
    let addr = free_address();
    let base = format!("http://{addr}");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().expect("a client");
    let mut child = spawn_server(&data_dir, addr);
    let key = read_key(&mut child);
    wait_ready(&client, &base).await;

    let good = r#"{"millis": 0}"#;
    let stop = Instant::now() + Duration::from_secs(3);
    let (alone, alone_failures) = timed_calls(&client, &base, &key, "PaidSlowBlock", good, 8, stop).await;

    let stop = Instant::now() + Duration::from_secs(4);
    let hanging = timed_calls(&client, &base, &key, "HangingBlock", "{}", 8, stop);
    let panicking = timed_calls(&client, &base, &key, "PanickingBlock", "{}", 8, stop);
    let beside = timed_calls(&client, &base, &key, "PaidSlowBlock", good, 8, stop);
    let ((hung, _), (panicked, _), (beside, beside_failures)) = tokio::join!(hanging, panicking, beside);
    child.kill().expect("SIGKILL");
    child.wait().expect("the server is reaped");

    let (alone_p99, beside_p99) = (percentile(&alone, 0.99), percentile(&beside, 0.99));
    println!(
        "alone: {} calls, p50 {:?}, p99 {alone_p99:?}; beside {} hanging and {} panicking calls: {} calls, p50 {:?}, \
         p99 {beside_p99:?}; slowest hanging call {:?}",
        alone.len(),
        percentile(&alone, 0.5),
        hung.len(),
        panicked.len(),
        beside.len(),
        percentile(&beside, 0.5),
        hung.last().copied().unwrap_or_default(),
    );
    assert_eq!((alone_failures, beside_failures), (0, 0), "every good call is answered");
    assert!(!hung.is_empty() && !panicked.is_empty(), "the misbehaving blocks were called and answered");
    assert!(
        hung.iter().all(|latency| *latency < EXECUTION_TIMEOUT + Duration::from_secs(2)),
        "a hanging run ends at its timeout"
    );
    assert!(beside_p99 < alone_p99 + EXECUTION_TIMEOUT, "good calls are not slowed beyond the timeout");
}

/// Reads every run of the local user from the storage.
async fn all_runs(storage: &SqliteStorage, user_id: &str) -> Vec<block_server::domain::Run> {
    let filter = block_server::storage::RunFilter::default();
    let mut records = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = storage.runs(user_id, &filter, cursor.as_deref(), 100).await.expect("the runs");
        records.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return records,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "kills and restarts a server process several times; run with --ignored"]
async fn queued_runs_survive_sigkill_each_running_at_most_once() {
    const RUNS: usize = 600;
    const QUEUE_KILLS: usize = 3;
    let data_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("faults-queued");
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).expect("the data directory is created");
    let addr = free_address();
    let base = format!("http://{addr}");
    let url = format!("{base}/external-api/v1/blocks/MarkedSlowBlock/execute");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().expect("a client");

    let mut child = spawn_server(&data_dir, addr);
    let key = read_key(&mut child);
    wait_ready(&client, &base).await;
    let mut accepted: Vec<(String, String)> = Vec::new();
    let mut next = 0;
    for kill in 0..=QUEUE_KILLS {
        // Queue a share of the runs, let the workers get into them, then kill.
        let share = RUNS / (QUEUE_KILLS + 1);
        for _ in 0..share {
            let token = format!("token-{next}");
            next += 1;
            let answer = client
                .post(&url)
                .header("X-API-Key", &key)
                .header("Prefer", "respond-async")
                .header("Content-Type", "application/json")
                .body(json!({"token": token, "millis": 300}).to_string())
                .send()
                .await;
            if let Ok(answer) = answer
                && answer.status().as_u16() == 202
            {
                let body: serde_json::Value =
                    serde_json::from_slice(&answer.bytes().await.unwrap_or_default()).unwrap_or_default();
                if let Some(id) = body["id"].as_str() {
                    accepted.push((id.to_owned(), token));
                }
            }
        }
        if kill < QUEUE_KILLS {
            tokio::time::sleep(Duration::from_millis(50)).await;
            child.kill().expect("SIGKILL");
            child.wait().expect("the killed server is reaped");
            child = spawn_server(&data_dir, addr);
            wait_ready(&client, &base).await;
        }
    }
    // The last server runs everything still queued.
    let storage = SqliteStorage::open(&data_dir).expect("the database opens");
    let user = storage.first_user().await.expect("readable").expect("the local user exists");
    let deadline = Instant::now() + Duration::from_secs(60);
    let records = loop {
        let records = all_runs(&storage, &user.id).await;
        if records.iter().all(|run| run.status.is_final()) {
            break records;
        }
        assert!(Instant::now() < deadline, "runs stayed queued or running after the restart");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    child.kill().expect("SIGKILL");
    child.wait().expect("the killed server is reaped");

    let log = std::fs::read_to_string(data_dir.join("started.log")).unwrap_or_default();
    let mut starts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for token in log.lines() {
        *starts.entry(token).or_default() += 1;
    }
    let balance = storage.balance(&user.id).await.expect("a balance");
    let ledger = storage.ledger(&user.id, u32::MAX).await.expect("the ledger");
    let ledger_sum: i64 = ledger.iter().map(|row| row.amount).sum();
    let by_id: std::collections::HashMap<&str, &block_server::domain::Run> =
        records.iter().map(|run| (run.id.as_str(), run)).collect();
    let (mut completed, mut interrupted) = (0, 0);
    for (id, token) in &accepted {
        let run = by_id.get(id.as_str()).unwrap_or_else(|| panic!("the queued run {id} was lost"));
        let started = starts.get(token.as_str()).copied().unwrap_or(0);
        assert!(started <= 1, "run {id} ran {started} times");
        let net: i64 =
            ledger.iter().filter(|row| row.execution_id.as_deref() == Some(id.as_str())).map(|row| row.amount).sum();
        match run.status {
            RunStatus::Completed => {
                completed += 1;
                assert_eq!(started, 1, "a completed run ran once");
                assert_eq!(net, -1, "a completed run stays charged");
            }
            RunStatus::Interrupted => {
                interrupted += 1;
                // Its start was recorded (and charged) before the kill; the block may
                // or may not have reached its first side effect. Either way it is not
                // run again.
                assert!(started <= 1, "an interrupted run ran at most once");
                assert_eq!(net, 0, "an interrupted run is refunded");
            }
            other => panic!("run {id} ended {other:?}: {run:?}"),
        }
    }
    println!(
        "{QUEUE_KILLS} kills; {} runs queued, {completed} completed once, {interrupted} interrupted and refunded, \
         none run twice; balance {balance}",
        accepted.len()
    );
    assert_eq!(ledger_sum, balance as i64, "the balance is the sum of the ledger");
    assert!(accepted.len() >= RUNS / 2, "most runs were queued");
    assert!(interrupted > 0, "the kills landed in the middle of runs");
}
