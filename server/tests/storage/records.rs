//! Run records and events: writes taken at the call, lists, stops.

use block_server::domain::{RunEvent, RunKind, RunStatus};
use block_server::storage::{RunFilter, StopOutcome};
use serde_json::json;

use crate::backends::Db;
use crate::fixtures::{LEASE, completed, run, runs_of, user};

pub async fn run_writes_queued_without_waiting_are_stored_in_their_last_state(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    for n in 0..300 {
        let started = run(n, &ada, RunStatus::Running);
        storage.begin_inline(started.clone(), "w", LEASE, 0, "execute").await.expect("begun");
        if n % 3 != 0 {
            // Not awaited: the end is taken at the call.
            drop(storage.finish_run(completed(&started, 0)));
        }
    }
    let records = runs_of(storage, &ada.id).await;
    assert_eq!(records.len(), 300, "one row per run");
    assert_eq!(records.iter().filter(|record| record.status == RunStatus::Completed).count(), 200);
    assert_eq!(records.iter().filter(|record| record.status == RunStatus::Running).count(), 100);
    // What another process reads once this one flushed.
    storage.flush().await.expect("flushed");
    assert_eq!(runs_of(db.again().await.as_ref(), &ada.id).await.len(), 300);
}

pub async fn an_inline_runs_events_read_the_same_whether_its_end_was_written_with_it_or_later(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let event = |run: &block_server::domain::Run, seq: u64| RunEvent {
        run_id: run.id.clone(),
        seq,
        name: if seq == 4 { RunEvent::END.to_owned() } else { "item".to_owned() },
        data: json!({"n": seq, "run": run.id}),
        at: run.created_at + i64::try_from(seq).expect("small"),
    };
    let runs: Vec<_> = (0..40).map(|n| run(n, &ada, RunStatus::Running)).collect();
    for (n, started) in runs.iter().enumerate() {
        storage.begin_inline(started.clone(), "w", LEASE, 0, "execute").await.expect("begun");
        if n % 2 == 1 {
            // Stored running (and its first events with it) before it ends.
            drop(storage.append_events(vec![event(started, 1)]));
            storage.flush().await.expect("flushed");
        } else {
            drop(storage.append_events(vec![event(started, 1)]));
        }
        // Not awaited: taken at the call, most likely committed with the row.
        drop(storage.append_events(vec![event(started, 2), event(started, 3)]));
        drop(storage.append_events(vec![event(started, 3)]));
        drop(storage.append_events(vec![event(started, 4)]));
        drop(storage.finish_run(completed(started, 0)));
    }
    for started in &runs {
        let all = storage.events(&started.id, 0, 100).await.expect("events");
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3, 4], "{}", started.id);
        assert!(all.iter().all(|e| e.run_id == started.id && e.data["run"] == started.id.as_str()));
        assert_eq!(all[3].name, RunEvent::END);
        assert_eq!(all[2].at, started.created_at + 3);
        let rest = storage.events(&started.id, 2, 1).await.expect("events");
        assert_eq!(rest.iter().map(|e| e.seq).collect::<Vec<_>>(), [3], "after 2, at most one");
        let stored = storage.run(&ada.id, &started.id).await.expect("read").expect("found");
        assert_eq!(stored.status, RunStatus::Completed);
    }
    assert!(storage.events("no-such-run", 0, 10).await.expect("events").is_empty());
}

pub async fn lists_filter_page_and_count_and_events_come_in_order(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let bob = user(storage, "bob", 0).await;
    let mut runs: Vec<_> = (0..5).map(|n| run(n, &ada, RunStatus::Queued)).collect();
    runs[3].kind = RunKind::Trigger;
    runs[4].parent_id = Some(runs[0].id.clone());
    storage.create_runs(runs.clone()).await.expect("queued");
    storage.create_runs(vec![run(9, &bob, RunStatus::Queued)]).await.expect("queued");
    let page = storage.runs(&ada.id, &RunFilter::default(), None, 2).await.expect("listed");
    assert_eq!(page.items.iter().map(|run| run.id.as_str()).collect::<Vec<_>>(), [&runs[4].id, &runs[3].id]);
    assert_eq!((page.total_count, page.next_cursor.as_deref()), (5, Some(runs[3].id.as_str())));
    let rest = storage.runs(&ada.id, &RunFilter::default(), page.next_cursor.as_deref(), 10).await.expect("listed");
    assert_eq!((rest.items.len(), rest.next_cursor), (3, None));
    let triggers = RunFilter { kind: Some(RunKind::Trigger), ..RunFilter::default() };
    assert_eq!(storage.runs(&ada.id, &triggers, None, 10).await.expect("listed").total_count, 1);
    let children = RunFilter { parent_id: Some(runs[0].id.clone()), ..RunFilter::default() };
    assert_eq!(storage.runs(&ada.id, &children, None, 10).await.expect("listed").items[0].id, runs[4].id);
    let since = RunFilter { since: Some(runs[2].created_at), status: Some(RunStatus::Queued), ..RunFilter::default() };
    assert_eq!(storage.runs(&ada.id, &since, None, 10).await.expect("listed").total_count, 3);
    let other_block = RunFilter { block_id: Some("another".to_owned()), ..RunFilter::default() };
    assert_eq!(storage.runs(&ada.id, &other_block, None, 10).await.expect("listed").total_count, 0);
    assert!(storage.run(&bob.id, &runs[0].id).await.expect("read").is_none(), "another user's run is not found");
    let stored = storage.run(&ada.id, &runs[0].id).await.expect("read").expect("found");
    assert_eq!((stored.input, stored.kind), (runs[0].input.clone(), RunKind::Block));

    let event = |seq: u64, value: i64| RunEvent {
        run_id: runs[0].id.clone(),
        seq,
        name: "output".to_owned(),
        data: json!({"value": value}),
        at: 10 + i64::try_from(seq).expect("small"),
    };
    storage.append_events(vec![event(1, 1), event(2, 2)]).await.expect("appended");
    storage.append_events(vec![event(3, 3), event(2, 99)]).await.expect("a repeated event keeps the first");
    let events = storage.events(&runs[0].id, 1, 10).await.expect("events");
    assert_eq!(
        events.iter().map(|e| (e.seq, e.data["value"].clone())).collect::<Vec<_>>(),
        [(2, json!(2)), (3, json!(3))]
    );
    assert_eq!(storage.events(&runs[0].id, 0, 1).await.expect("events").len(), 1);
}

pub async fn stopping_a_queued_run_ends_it_and_a_running_one_asks_its_worker(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let bob = user(storage, "bob", 0).await;
    let runs: Vec<_> = (0..2).map(|n| run(n, &ada, RunStatus::Queued)).collect();
    storage.create_runs(runs.clone()).await.expect("queued");
    assert_eq!(storage.request_stop(&bob.id, &runs[0].id).await.expect("answered"), StopOutcome::NotFound);
    assert_eq!(storage.request_stop(&ada.id, &runs[0].id).await.expect("answered"), StopOutcome::Stopped);
    assert_eq!(
        storage.request_stop(&ada.id, &runs[0].id).await.expect("answered"),
        StopOutcome::AlreadyOver(RunStatus::Stopped)
    );
    let claimed = storage.claim("w", 10, 10, LEASE).await.expect("claimed");
    assert_eq!(claimed.len(), 1, "a stopped run is not claimed");
    assert_eq!(storage.request_stop(&ada.id, &runs[1].id).await.expect("answered"), StopOutcome::Requested);
    // The worker ends it; an end recorded later for the stopped one is ignored.
    storage.finish_run(completed(&runs[1], 0)).await.expect("ended");
    storage.finish_run(completed(&runs[0], 0)).await.expect("ignored");
    let records = runs_of(storage, &ada.id).await;
    let status = |id: &str| records.iter().find(|r| r.id == id).map(|r| (r.status, r.error.clone()));
    assert_eq!(status(&runs[0].id), Some((RunStatus::Stopped, Some("stopped before it started".to_owned()))));
    assert_eq!(status(&runs[1].id), Some((RunStatus::Completed, None)));
}
