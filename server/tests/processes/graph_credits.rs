//! A graph run whose balance runs out stops there, when its node runs are
//! queued for any worker (PostgreSQL) as when they run in its own process: the
//! node refused for want of credits fails the graph run, the nodes still going
//! are stopped, and nothing later is queued or charged.
//!
//! The graph: `in -> paid` and `in -> free (3 s) -> after (paid)`, on a
//! balance of zero. `paid` is refused at once; `after` would be queued once
//! `free` ends, unless the graph run stopped first.

use std::time::{Duration, Instant};

use block_server::domain::RunStatus;
use block_server::storage::prelude::*;
use block_server::storage::{PostgresStorage, RunFilter};
use serde_json::json;

use crate::graphs::{self, INPUT, link, node, step_starts};
use crate::{Database, free_address, kill, read_key, scratch_and_client, spawn, wait_ready};

/// [`crate::FreeStepBlock`].
const FREE_STEP: &str = "5d2f8e1a-7b3c-4a9d-8e6f-0a1b2c3d4e5f";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graph_run_stops_at_the_first_node_its_balance_cannot_cover_when_nodes_are_queued() {
    let required = std::env::var("BLOCKS_REQUIRE_POSTGRES").as_deref() == Ok("1");
    if std::env::var("BLOCKS_TEST_DATABASE_URL").is_err() && !required {
        eprintln!("*** SKIPPED: BLOCKS_TEST_DATABASE_URL is not set, so this PostgreSQL test did not run ***");
        return;
    }
    let database = Database::create("credits").await;
    let (scratch, client) = scratch_and_client("credits");
    let addr = free_address();
    let base = format!("http://{addr}");
    let mut server = spawn("server", &database.url, Some(addr), &scratch);
    let key = read_key(&mut server);
    wait_ready(&client, &base).await;
    let mut worker = spawn("worker", &database.url, None, &scratch);

    let graph = json!({
        "name": "Out of credits",
        "nodes": [
            node("in", INPUT, json!({"name": "token", "value_type": "string"})),
            node("paid", graphs::STEP, json!({"millis": 10})),
            node("free", FREE_STEP, json!({"millis": 3000})),
            node("after", graphs::STEP, json!({"millis": 10})),
        ],
        "links": [
            link("in", "result", "paid", "token"),
            link("in", "result", "free", "token"),
            link("in", "result", "after", "token"),
            link("free", "next", "after", "step"),
        ],
    });
    let (id, version) = graphs::save(&client, &base, &key, &graph).await;
    let storage = PostgresStorage::connect(&database.url).await.expect("the database answers");
    let user = storage.first_user().await.expect("readable").expect("the local user");
    let balance = storage.balance(&user.id).await.expect("the balance");
    storage.charge_up_to(&user.id, balance, "leave nothing", None).await.expect("charged");
    assert_eq!(storage.balance(&user.id).await.expect("the balance"), 0);

    let run_id = graphs::execute(&client, &base, &key, (&id, version), "broke").await.expect("the graph run starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let graph_run = loop {
        let run = storage.run(&user.id, &run_id).await.expect("readable").expect("the graph run");
        if run.status.is_final() {
            break run;
        }
        assert!(Instant::now() < deadline, "the graph run did not end: {run:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Long enough for `free` to have ended and `after` to be queued, had the
    // graph run gone on.
    tokio::time::sleep(Duration::from_millis(3500)).await;

    assert_eq!(graph_run.status, RunStatus::Failed, "{graph_run:?}");
    let error = graph_run.error.clone().unwrap_or_default();
    assert!(error.contains("stopped") && error.contains("credits"), "it says why: {error}");
    let nodes = storage
        .runs(&user.id, &RunFilter { parent_id: Some(run_id.clone()), ..RunFilter::default() }, None, 100)
        .await
        .expect("the node runs")
        .items;
    let of = |node: &str| nodes.iter().find(|run| run.source_ref.as_deref() == Some(node)).map(|run| run.status);
    assert_eq!(of("paid"), Some(RunStatus::Failed), "refused: {nodes:?}");
    assert!(nodes.iter().all(|run| run.source_ref.as_deref() != Some("after")), "nothing queued after: {nodes:?}");
    assert_ne!(of("free"), Some(RunStatus::Completed), "the node still going was stopped: {nodes:?}");
    let log = std::fs::read_to_string(scratch.join("started.log")).unwrap_or_default();
    let started: Vec<u64> =
        step_starts(&log).into_iter().filter(|start| start.token == "broke").map(|s| s.step).collect();
    assert_eq!(started, [0], "only the free node's block started: {log}");
    let ledger = storage.ledger(&user.id, u32::MAX).await.expect("the ledger");
    let sum: i64 = ledger.iter().map(|row| row.amount).sum();
    assert_eq!((sum, storage.balance(&user.id).await.expect("the balance")), (0, 0), "nothing charged");

    kill(&mut worker);
    kill(&mut server);
    drop(storage);
    database.drop_now().await;
    let _ = std::fs::remove_dir_all(&scratch);
}
