//! Schedule fires and polls: claimed once, whichever process looks.

use block_server::domain::{MissedFires, PollSubscription, RunStatus, Schedule, ScheduleTarget};
use block_server::storage::{FireClaim, FireResult, PollOutcome};
use serde_json::json;

use crate::backends::Db;
use crate::fixtures::{BLOCK, run, runs_of, user};

fn schedule(id: &str, user_id: &str, next: Option<i64>) -> Schedule {
    Schedule {
        id: id.to_owned(),
        user_id: user_id.to_owned(),
        name: format!("schedule {id}"),
        target: ScheduleTarget::Block { block_id: BLOCK.to_owned() },
        input: json!({"operation": "add", "a": 1, "b": 2}),
        cron: "*/5 * * * *".to_owned(),
        timezone: "Europe/Paris".to_owned(),
        missed: MissedFires::RunOnce,
        next_fire_at: next,
        created_at: 10,
        last_fired_at: None,
        last_run_id: None,
        last_error: None,
    }
}

pub async fn a_due_fire_is_claimed_by_exactly_one_of_many_schedulers(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    storage.create_schedule(schedule("s1", &ada.id, Some(1000))).await.expect("created");
    storage.create_schedule(schedule("s2", &ada.id, Some(500))).await.expect("created");
    storage.create_schedule(schedule("s3", &ada.id, None)).await.expect("created");
    assert_eq!(storage.earliest_fire().await.expect("read"), Some(500));
    let due: Vec<String> = storage.due_schedules(1000, 10).await.expect("due").into_iter().map(|s| s.id).collect();
    assert_eq!(due, ["s2", "s1"], "most overdue first");
    let other = db.again().await;
    let mut tasks = tokio::task::JoinSet::new();
    let fired = run(1, &ada, RunStatus::Queued);
    for n in 0..10 {
        let storage = if n % 2 == 0 { db.storage.clone() } else { other.clone() };
        let claim = FireClaim {
            id: "s1".to_owned(),
            due: 1000,
            next: Some(1300),
            fired_at: Some(1001),
            result: FireResult::Queued(Box::new(fired.clone())),
        };
        tasks.spawn(async move { storage.claim_fire(claim).await });
    }
    let mut won = 0;
    while let Some(claimed) = tasks.join_next().await {
        won += usize::from(claimed.expect("the task").expect("answered"));
    }
    assert_eq!(won, 1, "one scheduler fires it");
    let queued: Vec<String> = runs_of(storage, &ada.id).await.into_iter().map(|r| r.id).collect();
    assert_eq!(queued, std::slice::from_ref(&fired.id), "the fire queued its run once");
    let failed = FireClaim {
        id: "s2".to_owned(),
        due: 500,
        next: Some(800),
        fired_at: Some(501),
        result: FireResult::Failed("no credits".to_owned()),
    };
    assert!(storage.claim_fire(failed).await.expect("claimed"));
    let s1 = storage.schedule(&ada.id, "s1").await.expect("read").expect("found");
    assert_eq!(
        (s1.next_fire_at, s1.last_fired_at, s1.last_run_id.as_deref()),
        (Some(1300), Some(1001), Some(fired.id.as_str()))
    );
    assert_eq!(s1.target, ScheduleTarget::Block { block_id: BLOCK.to_owned() });
    let listed = storage.schedules(&ada.id).await.expect("listed");
    assert_eq!(listed.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["s1", "s2", "s3"]);
    assert_eq!(listed[1].last_error.as_deref(), Some("no credits"));
    assert!(
        !storage
            .claim_fire(FireClaim {
                id: "gone".to_owned(),
                due: 1,
                next: None,
                fired_at: None,
                result: FireResult::Skipped
            })
            .await
            .expect("answered")
    );
    assert!(storage.delete_schedule(&ada.id, "s2").await.expect("deleted"));
    assert!(!storage.delete_schedule(&ada.id, "s2").await.expect("answered"));
}

pub async fn a_poll_is_claimed_once_and_its_runs_and_cursor_commit_together(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let poll = PollSubscription {
        id: "p1".to_owned(),
        user_id: ada.id.clone(),
        block_id: BLOCK.to_owned(),
        input: json!({"feed": "https://example.com/feed"}),
        every_secs: 60,
        cursor: None,
        next_poll_at: 1000,
        created_at: 1,
        last_polled_at: None,
        last_error: None,
        runs_queued: 0,
    };
    storage.create_poll(poll.clone()).await.expect("created");
    assert_eq!(storage.due_polls(999, 10).await.expect("due").len(), 0);
    assert_eq!(storage.due_polls(1000, 10).await.expect("due")[0].id, "p1");
    let other = db.again().await;
    let (one, two) = tokio::join!(storage.claim_poll("p1", 1000, 31_000), other.claim_poll("p1", 1000, 31_000));
    assert_eq!(u8::from(one.expect("answered")) + u8::from(two.expect("answered")), 1, "one poller takes it");
    let outcome = PollOutcome {
        cursor: Some(json!({"seen": ["a", "b"]})),
        runs: vec![run(1, &ada, RunStatus::Queued), run(2, &ada, RunStatus::Queued)],
        next_poll_at: 61_000,
        polled_at: 1500,
        error: None,
    };
    assert!(!storage.finish_poll("p1", 9999, outcome.clone()).await.expect("answered"), "not the claim held");
    assert!(storage.finish_poll("p1", 31_000, outcome).await.expect("committed"));
    let stored = storage.polls(&ada.id).await.expect("listed").remove(0);
    assert_eq!(
        (stored.cursor, stored.next_poll_at, stored.runs_queued, stored.last_polled_at),
        (Some(json!({"seen": ["a", "b"]})), 61_000, 2, Some(1500))
    );
    assert_eq!(runs_of(storage, &ada.id).await.len(), 2, "its runs are queued");
    assert!(storage.delete_poll(&ada.id, "p1").await.expect("deleted"));
    let late = PollOutcome {
        cursor: None,
        runs: vec![run(3, &ada, RunStatus::Queued)],
        next_poll_at: 1,
        polled_at: 1,
        error: None,
    };
    assert!(!storage.finish_poll("p1", 61_000, late).await.expect("answered"), "deleted meanwhile: nothing stored");
    assert_eq!(runs_of(storage, &ada.id).await.len(), 2);
}
