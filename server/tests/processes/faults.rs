//! Two servers and two workers on one database under paid runs, queued and
//! answered inline, and graph runs (a chain of paid nodes, saved and started
//! through the API); one server and one worker killed with SIGKILL mid-load,
//! then restarted. Afterwards: no queued run lost, no run's block started
//! twice (node runs included), every completed run charged once, every
//! interrupted one refunded, every graph run completed or failed (a graph run
//! whose worker died is resumed by another; one whose node run was
//! interrupted fails), nothing left queued or running, and the balance equal
//! to the ledger's sum.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use block_server::domain::{Run, RunKind, RunStatus};
use block_server::storage::prelude::*;
use block_server::storage::{PostgresStorage, RunFilter};
use serde_json::json;

use crate::graphs::{self, step_starts};
use crate::{Database, free_address, kill, read_key, spawn, wait_ready};

/// Nodes of the graph the graph callers run, and how long each takes.
const GRAPH_STEPS: usize = 3;
const GRAPH_MILLIS: u64 = 150;

/// How long the load lasts.
const LOAD: Duration = Duration::from_secs(8);

/// What the callers saw.
#[derive(Default)]
struct Tally {
    queued: std::sync::Mutex<Vec<String>>,
    graph_runs: std::sync::Mutex<Vec<String>>,
    inline_ok: AtomicU64,
    refused: AtomicU64,
}

/// Calls alternate between the servers; even callers queue (`Prefer:
/// respond-async`, run by a worker), odd ones wait for the answer (run by the
/// server).
async fn caller(n: usize, client: reqwest::Client, bases: Vec<String>, key: String, tally: Arc<Tally>, stop: Instant) {
    let mut i = 0usize;
    while Instant::now() < stop {
        i += 1;
        let base = &bases[(n + i) % bases.len()];
        let queue = n.is_multiple_of(2);
        let token = format!("c{n}-{i}");
        let millis = if queue { 300 } else { 40 };
        let mut request = client
            .post(format!("{base}/external-api/v1/blocks/MarkedSlowBlock/execute"))
            .header("X-API-Key", &key)
            .header("Content-Type", "application/json")
            .body(json!({"token": token, "millis": millis}).to_string());
        if queue {
            request = request.header("Prefer", "respond-async");
        }
        match request.send().await {
            Ok(answer) if answer.status().as_u16() == 202 => {
                let body: serde_json::Value =
                    serde_json::from_slice(&answer.bytes().await.unwrap_or_default()).unwrap_or_default();
                if let Some(id) = body["id"].as_str() {
                    tally.queued.lock().expect("the tally").push(id.to_owned());
                }
            }
            Ok(answer) if answer.status().is_success() => {
                tally.inline_ok.fetch_add(1, Ordering::Relaxed);
            }
            // A killed server, or one restarting.
            _ => {
                tally.refused.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// Starts graph runs of `graph` through the servers in turn, a few a second.
async fn graph_caller(
    n: usize,
    client: reqwest::Client,
    bases: Vec<String>,
    key: String,
    graph: (String, u64),
    tally: Arc<Tally>,
    stop: Instant,
) {
    let mut i = 0usize;
    while Instant::now() < stop {
        i += 1;
        let base = &bases[(n + i) % bases.len()];
        match graphs::execute(&client, base, &key, (&graph.0, graph.1), &format!("g{n}-{i}")).await {
            Ok(id) => tally.graph_runs.lock().expect("the tally").push(id),
            Err(_) => {
                tally.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "starts and kills server and worker processes on PostgreSQL; run with --ignored"]
async fn servers_and_workers_killed_mid_load_lose_nothing_and_run_nothing_twice() {
    let database = Database::create("faults").await;
    let scratch =
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("processes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().expect("a client");

    let (addr_a, addr_b) = (free_address(), free_address());
    let bases = vec![format!("http://{addr_a}"), format!("http://{addr_b}")];
    let mut server_a = spawn("server", &database.url, Some(addr_a), &scratch);
    let key = read_key(&mut server_a);
    wait_ready(&client, &bases[0]).await;
    let mut server_b = spawn("server", &database.url, Some(addr_b), &scratch);
    wait_ready(&client, &bases[1]).await;
    let mut worker_1 = spawn("worker", &database.url, None, &scratch);
    let mut worker_2 = spawn("worker", &database.url, None, &scratch);

    let graph = graphs::save(&client, &bases[0], &key, &graphs::chain(GRAPH_STEPS, GRAPH_MILLIS)).await;

    let tally = Arc::new(Tally::default());
    let stop = Instant::now() + LOAD;
    let mut callers = tokio::task::JoinSet::new();
    for n in 0..12 {
        callers.spawn(caller(n, client.clone(), bases.clone(), key.clone(), tally.clone(), stop));
    }
    for n in 0..4 {
        let (bases, key, graph, tally) = (bases.clone(), key.clone(), graph.clone(), tally.clone());
        callers.spawn(graph_caller(n, client.clone(), bases, key, graph, tally, stop));
    }
    tokio::time::sleep(LOAD / 3).await;
    kill(&mut server_b);
    kill(&mut worker_1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    server_b = spawn("server", &database.url, Some(addr_b), &scratch);
    worker_1 = spawn("worker", &database.url, None, &scratch);
    while callers.join_next().await.is_some() {}

    // Whatever the dead worker held comes back once its lease expires.
    let storage = PostgresStorage::connect(&database.url).await.expect("the database answers");
    let user = storage.first_user().await.expect("readable").expect("the local user");
    let deadline = Instant::now() + Duration::from_secs(90);
    let runs = loop {
        let runs = all_runs(&storage, &user.id).await;
        if runs.iter().all(|run| run.status.is_final()) {
            break runs;
        }
        assert!(Instant::now() < deadline, "runs stayed queued or running after the restarts");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    for child in [&mut server_a, &mut server_b, &mut worker_1, &mut worker_2] {
        kill(child);
    }

    let log = std::fs::read_to_string(scratch.join("started.log")).unwrap_or_default();
    let mut starts: HashMap<&str, usize> = HashMap::new();
    for token in log.lines() {
        *starts.entry(token).or_default() += 1;
    }
    let ledger = storage.ledger(&user.id, u32::MAX).await.expect("the ledger");
    let mut net: HashMap<&str, i64> = HashMap::new();
    for row in &ledger {
        if let Some(id) = row.execution_id.as_deref() {
            *net.entry(id).or_default() += row.amount;
        }
    }
    let by_id: HashMap<&str, &block_server::domain::Run> = runs.iter().map(|run| (run.id.as_str(), run)).collect();
    let queued = tally.queued.lock().expect("the tally").clone();
    for id in &queued {
        assert!(by_id.contains_key(id.as_str()), "the queued run {id} was lost");
    }
    let (mut completed, mut interrupted, mut other) = (0, 0, 0);
    for run in runs.iter().filter(|run| run.kind == RunKind::Block) {
        let token = run.input["token"].as_str().unwrap_or_default();
        let started = starts.get(token).copied().unwrap_or(0);
        assert!(started <= 1, "run {} ({token}) started {started} times", run.id);
        let charged = net.get(run.id.as_str()).copied().unwrap_or(0);
        match run.status {
            RunStatus::Completed => {
                completed += 1;
                assert_eq!((started, charged), (1, -1), "a completed run ran once and stays charged: {run:?}");
            }
            RunStatus::Interrupted => {
                interrupted += 1;
                assert_eq!(charged, 0, "an interrupted run is refunded: {run:?}");
            }
            _ => {
                other += 1;
                assert_eq!(charged, 0, "a run that did not complete is not charged: {run:?}");
            }
        }
    }
    let graph_runs = tally.graph_runs.lock().expect("the tally").clone();
    let figures = check_graph_runs(&runs, &graph_runs, &step_starts(&log), &net);
    let balance = storage.balance(&user.id).await.expect("the balance");
    let sum: i64 = ledger.iter().map(|row| row.amount).sum();
    println!(
        "2 servers + 2 workers, one of each killed and restarted: {} block runs ({} queued through the API, {} answered \
         inline); {completed} completed once, {interrupted} interrupted and refunded, {other} ended otherwise; none \
         run twice; {} calls refused while a server was down; balance {balance} = ledger sum {sum}",
        runs.iter().filter(|run| run.kind == RunKind::Block).count(),
        queued.len(),
        tally.inline_ok.load(Ordering::Relaxed),
        tally.refused.load(Ordering::Relaxed),
    );
    println!("{figures}");
    assert_eq!(sum, i64::try_from(balance).expect("fits"), "the balance is the sum of the ledger");
    assert!(queued.len() >= 20 && completed >= 20, "the load ran");
    assert!(graph_runs.len() >= 10, "the graph load ran");
    drop(storage);
    database.drop_now().await;
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Every run of `user_id`.
pub async fn all_runs(storage: &PostgresStorage, user_id: &str) -> Vec<block_server::domain::Run> {
    let mut records = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = storage.runs(user_id, &RunFilter::default(), cursor.as_deref(), 500).await.expect("the runs");
        records.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return records,
        }
    }
}

/// Checks the graph runs and their node runs: every graph run started through
/// the API is there and ended completed (each of its step nodes completed
/// once, charged once) or failed (one of its node runs interrupted, and
/// refunded); no node run started twice, and each was charged exactly when
/// its block started. The figures, as a line.
fn check_graph_runs(
    runs: &[Run],
    started: &[String],
    starts: &[graphs::StepStart],
    net: &HashMap<&str, i64>,
) -> String {
    let starts = graphs::starts_by_run(starts);
    let mut nodes_of: HashMap<&str, Vec<&Run>> = HashMap::new();
    for run in runs.iter().filter(|run| run.kind == RunKind::GraphNode) {
        nodes_of.entry(run.parent_id.as_deref().unwrap_or_default()).or_default().push(run);
    }
    let (mut node_runs, mut node_completed, mut node_interrupted) = (0, 0, 0);
    for node in nodes_of.values().flatten().filter(|node| node.block_id == graphs::STEP) {
        node_runs += 1;
        let ran = starts.get(node.id.as_str()).copied().unwrap_or(0);
        let charged = net.get(node.id.as_str()).copied().unwrap_or(0);
        assert!(ran <= 1, "node run {} started {ran} times", node.id);
        match node.status {
            RunStatus::Interrupted => {
                node_interrupted += 1;
                assert_eq!(charged, 0, "an interrupted node run is refunded: {node:?}");
            }
            status => {
                node_completed += usize::from(status == RunStatus::Completed);
                assert!(status.is_final(), "node run left {status:?}: {node:?}");
                let ran = i64::try_from(ran).expect("small");
                assert_eq!(charged, -ran, "a node run is charged once if its block started: {node:?}");
                if status == RunStatus::Completed {
                    assert_eq!(ran, 1, "a completed node run ran once: {node:?}");
                }
            }
        }
    }
    let by_id: HashMap<&str, &Run> = runs.iter().map(|run| (run.id.as_str(), run)).collect();
    let (mut completed, mut failed) = (0, 0);
    for id in started {
        let run = by_id.get(id.as_str()).unwrap_or_else(|| panic!("the graph run {id} was lost"));
        let steps: Vec<&&Run> =
            nodes_of.get(id.as_str()).into_iter().flatten().filter(|node| node.block_id == graphs::STEP).collect();
        assert_eq!(net.get(id.as_str()).copied().unwrap_or(0), 0, "a graph run itself is never charged");
        match run.status {
            RunStatus::Completed => {
                completed += 1;
                assert_eq!(steps.len(), GRAPH_STEPS, "each step ran once: {run:?}");
                assert!(steps.iter().all(|node| node.status == RunStatus::Completed), "{run:?}");
            }
            RunStatus::Failed => {
                failed += 1;
                let lost = steps.iter().any(|node| node.status == RunStatus::Interrupted);
                assert!(lost, "a graph run fails only where a node run was interrupted: {run:?} {steps:?}");
            }
            status => panic!("graph run {id} ended {status:?}: {run:?}"),
        }
    }
    format!(
        "graph runs: {} started through the API, {completed} completed, {failed} failed (a node run interrupted, \
         refunded), 0 interrupted; step node runs: {node_runs}, {node_completed} completed once, {node_interrupted} \
         interrupted and refunded, none run twice",
        started.len()
    )
}
