//! A graph run moves between worker processes node by node: its node runs are
//! queued like any run and claimed by both workers; the worker holding the
//! graph run is killed with SIGKILL while the other runs one of its nodes, and
//! the other resumes the graph run, reading back the node runs already
//! recorded (none runs twice) and finishing it.
//!
//! Which process ran a node run is what its block logged (`token/step pid
//! run-id`); which process holds a run is the lease owner the claim wrote.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use block_server::domain::{RunEvent, RunStatus};
use block_server::storage::PostgresStorage;
use block_server::storage::prelude::*;

use crate::graphs::{self, StepStart, step_starts};
use crate::{Database, free_address, kill, read_key, scratch_and_client, spawn, wait_ready};

/// Nodes in the chain, and how long each takes.
const STEPS: usize = 8;
const MILLIS: u64 = 400;

/// Graph runs tried before giving up on seeing the moment to kill: a node
/// run on the process that does not hold the graph run, after node runs ran
/// on both.
const ATTEMPTS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "starts and kills worker processes on PostgreSQL (about 15 s); run with --ignored"]
async fn a_graph_run_moves_between_workers_node_by_node_and_survives_its_worker() {
    let database = Database::create("moves").await;
    let (scratch, client) = scratch_and_client("moves");
    let addr = free_address();
    let base = format!("http://{addr}");
    let mut server = spawn("server", &database.url, Some(addr), &scratch);
    let key = read_key(&mut server);
    wait_ready(&client, &base).await;
    let mut workers = [spawn("worker", &database.url, None, &scratch), spawn("worker", &database.url, None, &scratch)];
    let pids = [workers[0].id(), workers[1].id()];
    let (id, version) = graphs::save(&client, &base, &key, &graphs::chain(STEPS, MILLIS)).await;
    let (sql, connection) =
        tokio_postgres::connect(&database.url, tokio_postgres::NoTls).await.expect("the database answers");
    tokio::spawn(connection);
    let log = scratch.join("started.log");
    let starts_of = |token: &str| -> Vec<StepStart> {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        step_starts(&text).into_iter().filter(|start| start.token == token).collect()
    };

    let mut killed = None;
    let mut run_id = String::new();
    let mut token = String::new();
    for attempt in 0..ATTEMPTS {
        token = format!("m{attempt}");
        run_id = graphs::execute(&client, &base, &key, (&id, version), &token).await.expect("the graph run starts");
        let deadline = Instant::now() + Duration::from_secs(60);
        'watch: while Instant::now() < deadline {
            let graph = sql.query_one("SELECT status, lease_owner FROM runs WHERE id = $1", &[&run_id]).await;
            let graph = graph.expect("the graph run is there");
            let (status, holder): (String, Option<String>) = (graph.get(0), graph.get(1));
            if !matches!(status.as_str(), "queued" | "running") {
                break;
            }
            let starts = starts_of(&token);
            let seen: HashSet<u32> = starts.iter().map(|start| start.pid).collect();
            let running = sql
                .query("SELECT id, lease_owner FROM runs WHERE parent_id = $1 AND status = 'running'", &[&run_id])
                .await
                .expect("the node runs");
            for row in running {
                let (node_run, owner): (String, Option<String>) = (row.get(0), row.get(1));
                let Some(start) = starts.iter().find(|start| start.run_id == node_run) else { continue };
                if seen.len() == 2 && holder.is_some() && owner != holder {
                    // The graph run's worker is the one not running this node.
                    let dead = usize::from(pids[0] == start.pid);
                    kill(&mut workers[dead]);
                    killed = Some((dead, start.pid, starts.len(), Instant::now()));
                    break 'watch;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if killed.is_some() {
            break;
        }
    }
    let (dead, survivor, before, killed_at) =
        killed.expect("node runs ran on both workers, and one away from the graph run's worker");
    let storage = PostgresStorage::connect(&database.url).await.expect("the database answers");
    let user = storage.first_user().await.expect("readable").expect("the local user");
    let deadline = Instant::now() + Duration::from_secs(60);
    let graph_run = loop {
        let run = storage.run(&user.id, &run_id).await.expect("readable").expect("the graph run");
        if run.status.is_final() {
            break run;
        }
        assert!(Instant::now() < deadline, "the graph run was not finished after its worker died: {run:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let resumed_in = killed_at.elapsed();
    assert_eq!(graph_run.status, RunStatus::Completed, "the surviving worker finished it: {graph_run:?}");
    assert_eq!(graph_run.outputs["last"], serde_json::json!([STEPS]), "every step ran, in order");

    let starts = starts_of(&token);
    let steps: Vec<u64> = starts.iter().map(|start| start.step).collect();
    assert_eq!(steps, (0..STEPS as u64).collect::<Vec<_>>(), "each node ran once: {starts:?}");
    let pids_before: HashSet<u32> = starts[..before].iter().map(|start| start.pid).collect();
    assert_eq!(pids_before.len(), 2, "before the kill, node runs ran on both workers: {starts:?}");
    assert!(starts[before..].iter().all(|start| start.pid == survivor), "after it, on the survivor: {starts:?}");

    // The resumed graph run stored each node's start once.
    let events = storage.events(&run_id, 0, 1000).await.expect("the events");
    let started: Vec<&str> = events
        .iter()
        .filter(|event| event.name == "node.started")
        .filter_map(|event| event.data["execution_id"].as_str())
        .collect();
    let distinct: HashSet<&&str> = started.iter().collect();
    assert_eq!((started.len(), distinct.len()), (STEPS + 2, STEPS + 2), "one start event per node run");
    assert!(events.windows(2).all(|pair| pair[0].seq + 1 == pair[1].seq), "events numbered without a gap");
    assert_eq!(events.last().map(|event| event.name.as_str()), Some(RunEvent::END));

    let ledger = storage.ledger(&user.id, u32::MAX).await.expect("the ledger");
    let sum: i64 = ledger.iter().map(|row| row.amount).sum();
    let balance = storage.balance(&user.id).await.expect("the balance");
    assert_eq!(sum, i64::try_from(balance).expect("fits"), "the balance is the sum of the ledger");
    println!(
        "graph run of {STEPS} paid nodes: {before} node runs before the kill on both workers ({} on the killed one), \
         {} after it on the survivor; finished {:.1} s after its worker was killed; each node ran once",
        starts[..before].iter().filter(|start| start.pid == pids[dead]).count(),
        starts.len() - before,
        resumed_in.as_secs_f64(),
    );
    kill(&mut workers[1 - dead]);
    kill(&mut server);
    drop(storage);
    database.drop_now().await;
    let _ = std::fs::remove_dir_all(&scratch);
}
