//! The run queue: fair claims, leases, stops, releases and recovery, with
//! several processes on one database.

use std::collections::HashSet;
use std::time::Duration;

use block_server::domain::{RunEvent, RunStatus};
use block_server::storage::{Admission, Recovered};

use crate::backends::Db;
use crate::fixtures::{LEASE, ledger_sum, run, runs_of, user};

pub async fn claims_take_turns_between_users_and_respect_the_per_user_limit(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let bob = user(storage, "bob", 0).await;
    // Ada queued five before Bob's two.
    let mut queued: Vec<_> = (0..5).map(|n| run(n, &ada, RunStatus::Queued)).collect();
    queued.extend((5..7).map(|n| run(n, &bob, RunStatus::Queued)));
    storage.create_runs(queued.clone()).await.expect("queued");
    let first = storage.claim("w1", 4, 2, LEASE).await.expect("claimed");
    let mut ids: Vec<&str> = first.iter().map(|run| run.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [&queued[0].id, &queued[1].id, &queued[5].id, &queued[6].id], "two each: turns, oldest first");
    assert!(first.iter().all(|run| run.status == RunStatus::Running));
    assert!(storage.claim("w2", 10, 2, LEASE).await.expect("claimed").is_empty(), "both users are at their limit");
    storage.finish_run(crate::fixtures::completed(&first[0], 0)).await.expect("ended");
    let next = storage.claim("w2", 10, 2, LEASE).await.expect("claimed");
    assert_eq!(next.iter().map(|run| run.id.as_str()).collect::<Vec<_>>(), [&queued[2].id], "one slot freed for Ada");
}

pub async fn two_processes_claiming_at_once_never_take_the_same_run(db: &Db) {
    let ada = user(db.storage.as_ref(), "ada", 0).await;
    let runs: Vec<_> = (0..60).map(|n| run(n, &ada, RunStatus::Queued)).collect();
    db.storage.create_runs(runs).await.expect("queued");
    let other = db.again().await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..8 {
        let storage = if n % 2 == 0 { db.storage.clone() } else { other.clone() };
        tasks.spawn(async move {
            let mut mine = Vec::new();
            loop {
                let claimed = storage.claim(&format!("w{n}"), 3, 1000, LEASE).await.expect("claimed");
                if claimed.is_empty() {
                    return mine;
                }
                mine.extend(claimed.into_iter().map(|run| run.id));
            }
        });
    }
    let mut all = Vec::new();
    while let Some(mine) = tasks.join_next().await {
        all.extend(mine.expect("the task"));
    }
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (60, 60), "every run claimed exactly once");
}

pub async fn leases_renew_and_report_stops_and_releases_queue_again(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let runs: Vec<_> = (0..3).map(|n| run(n, &ada, RunStatus::Queued)).collect();
    storage.create_runs(runs.clone()).await.expect("queued");
    let claimed = storage.claim("w1", 3, 10, LEASE).await.expect("claimed");
    assert_eq!(claimed.len(), 3);
    let ids: Vec<String> = runs.iter().map(|run| run.id.clone()).collect();
    assert!(storage.renew("w1", &ids, LEASE).await.expect("renewed").is_empty());
    assert_eq!(
        storage.request_stop(&ada.id, &ids[1]).await.expect("asked"),
        block_server::storage::StopOutcome::Requested
    );
    assert_eq!(storage.renew("w1", &ids, LEASE).await.expect("renewed"), [ids[1].clone()], "the stop is reported");
    assert!(storage.renew("w2", &ids, LEASE).await.expect("renewed").is_empty(), "not w2's runs");
    // Given back before its block started: queued again, for anyone.
    storage.release("w2", &ids[0]).await.expect("not w2's: nothing happens");
    storage.release("w1", &ids[0]).await.expect("released");
    let again = db.again().await.claim("w3", 10, 10, LEASE).await.expect("claimed");
    assert_eq!(again.iter().map(|run| run.id.as_str()).collect::<Vec<_>>(), [ids[0].as_str()]);
    // A started run is never given back.
    assert_eq!(storage.start_run(&ids[2], "w1", 0, "run").await.expect("started"), Admission::Started);
    storage.release("w1", &ids[2]).await.expect("answered");
    let records = runs_of(storage, &ada.id).await;
    assert!(records.iter().all(|record| record.status == RunStatus::Running), "{records:?}");
}

pub async fn expired_leases_are_recovered_once_with_refunds(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 100).await;
    let runs: Vec<_> = (0..3).map(|n| run(n, &ada, RunStatus::Queued)).collect();
    storage.create_runs(runs.clone()).await.expect("queued");
    // A worker that dies: short leases, one run started and charged, one not started.
    let claimed = storage.claim("dead", 2, 10, Duration::from_millis(1)).await.expect("claimed");
    assert_eq!(claimed.len(), 2);
    assert_eq!(storage.start_run(&runs[0].id, "dead", 7, "paid run").await.expect("started"), Admission::Started);
    storage
        .append_events(vec![RunEvent {
            run_id: runs[0].id.clone(),
            seq: 1,
            name: "output".to_owned(),
            data: serde_json::json!({"pin": "result", "value": 1}),
            at: 1,
        }])
        .await
        .expect("appended");
    // A live worker's run is left alone.
    let live = storage.claim("live", 1, 10, LEASE).await.expect("claimed");
    assert_eq!(live.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(storage.balance(&ada.id).await.expect("balance"), 93);

    let other = db.again().await;
    let (one, two) = tokio::join!(storage.recover(false), other.recover(false));
    let (one, two) = (one.expect("recovered"), two.expect("recovered"));
    let total = Recovered {
        requeued: one.requeued + two.requeued,
        interrupted: one.interrupted + two.interrupted,
        refunded: one.refunded + two.refunded,
    };
    assert_eq!(total, Recovered { requeued: 1, interrupted: 1, refunded: 7 }, "each run settled once");
    assert_eq!(storage.recover(false).await.expect("recovered"), Recovered::default(), "idempotent");
    assert_eq!(storage.balance(&ada.id).await.expect("balance"), 100);
    assert_eq!(ledger_sum(storage, &ada.id).await, 100);
    let records = runs_of(storage, &ada.id).await;
    let status = |id: &str| records.iter().find(|record| record.id == id).map(|record| record.status);
    assert_eq!(status(&runs[0].id), Some(RunStatus::Interrupted));
    assert_eq!(status(&runs[1].id), Some(RunStatus::Queued), "its block had not started: queued again");
    assert_eq!(status(&live[0].id), Some(RunStatus::Running));
    let events = storage.events(&runs[0].id, 0, 10).await.expect("events");
    assert_eq!(
        events.iter().map(|event| (event.seq, event.name.as_str())).collect::<Vec<_>>(),
        [(1, "output"), (2, RunEvent::END)]
    );
    assert_eq!(events[1].data["status"], "interrupted");
}

pub async fn a_worker_that_lost_its_lease_cannot_start_the_run_its_new_holder_runs(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 10).await;
    let queued = run(0, &ada, RunStatus::Queued);
    storage.create_runs(vec![queued.clone()]).await.expect("queued");
    // A worker stalls between its claim and the start, past its lease.
    let stalled = storage.claim("stalled", 1, 10, Duration::from_millis(1)).await.expect("claimed");
    assert_eq!(stalled.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let other = db.again().await;
    assert_eq!(other.recover(false).await.expect("recovered").requeued, 1, "not started: queued again");
    let taken = other.claim("live", 1, 10, LEASE).await.expect("claimed");
    assert_eq!(taken.iter().map(|run| run.id.as_str()).collect::<Vec<_>>(), [queued.id.as_str()]);
    assert_eq!(
        storage.start_run(&queued.id, "stalled", 4, "paid").await.expect("answered"),
        Admission::NotHeld,
        "the stalled worker must leave it alone"
    );
    assert_eq!(storage.balance(&ada.id).await.expect("balance"), 10, "nothing charged for the refused start");
    assert_eq!(other.start_run(&queued.id, "live", 4, "paid").await.expect("answered"), Admission::Started);
    assert_eq!(storage.balance(&ada.id).await.expect("balance"), 6, "charged once, by its holder");
    let ended = run(1, &ada, RunStatus::Queued);
    storage.create_runs(vec![ended.clone()]).await.expect("queued");
    assert_eq!(storage.start_run(&ended.id, "live", 0, "run").await.expect("answered"), Admission::NotHeld);
}

pub async fn a_paid_start_charges_once_and_an_insufficient_one_writes_nothing(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 5).await;
    let queued = run(0, &ada, RunStatus::Queued);
    storage.create_runs(vec![queued.clone()]).await.expect("queued");
    assert_eq!(
        storage.start_run(&queued.id, "w", 3, "paid").await.expect("answered"),
        Admission::NotHeld,
        "a run not claimed does not start"
    );
    storage.claim("w", 1, 10, LEASE).await.expect("claimed");
    assert_eq!(storage.start_run(&queued.id, "w", 3, "paid").await.expect("answered"), Admission::Started);
    assert_eq!(storage.balance(&ada.id).await.expect("balance"), 2);
    let ledger = storage.ledger(&ada.id, 10).await.expect("the ledger");
    assert_eq!((ledger[0].amount, ledger[0].execution_id.as_deref()), (-3, Some(queued.id.as_str())));
    let started = storage.run(&ada.id, &queued.id).await.expect("read").expect("the run");
    assert_eq!((started.charged, started.started_at.is_some()), (3, true));
    let first = run(1, &ada, RunStatus::Running);
    let refused = storage.begin_inline(first, "w", LEASE, 9, "inline").await.expect("answered");
    assert!(matches!(refused, Admission::Insufficient { .. }), "{refused:?}");
    let records = runs_of(storage, &ada.id).await;
    assert_eq!(records.len(), 1, "the refused inline run left no row");
    assert_eq!(
        ledger_sum(storage, &ada.id).await,
        i64::try_from(storage.balance(&ada.id).await.expect("b")).expect("fits")
    );
}

pub async fn graph_runs_take_no_place_under_the_limit_and_a_dead_workers_is_resumed_where_shared(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let mut graph = run(0, &ada, RunStatus::Queued);
    graph.kind = block_server::domain::RunKind::Graph;
    storage.create_runs(vec![graph.clone()]).await.expect("queued");
    let claimed = storage.claim("dead", 1, 1, Duration::from_millis(1)).await.expect("claimed");
    assert_eq!(claimed.iter().map(|run| run.id.as_str()).collect::<Vec<_>>(), [graph.id.as_str()]);
    assert_eq!(storage.start_run(&graph.id, "dead", 0, "run graph").await.expect("started"), Admission::Started);
    // The graph run waits on its node runs: they are claimed beside it, even
    // with a limit of one running run per user.
    let nodes: Vec<_> = (1..3).map(|n| run(n, &ada, RunStatus::Queued)).collect();
    storage.create_runs(nodes.clone()).await.expect("queued");
    let taken = storage.claim("live", 10, 1, LEASE).await.expect("claimed");
    assert_eq!(taken.iter().map(|run| run.id.as_str()).collect::<Vec<_>>(), [nodes[0].id.as_str()], "one node run");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let recovered = db.again().await.recover(false).await.expect("recovered");
    let status = runs_of(storage, &ada.id).await.into_iter().find(|record| record.id == graph.id).map(|r| r.status);
    if storage.shared_by_processes() {
        // Its node runs are queued runs of their own: another worker resumes it.
        assert_eq!(recovered, Recovered { requeued: 1, interrupted: 0, refunded: 0 });
        assert_eq!(status, Some(RunStatus::Queued));
    } else {
        // On one process its node runs ran inside it, and ended with it.
        assert_eq!(recovered, Recovered { requeued: 0, interrupted: 1, refunded: 0 });
        assert_eq!(status, Some(RunStatus::Interrupted));
    }
}
