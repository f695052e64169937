//! Polling triggers: subscribed over the API with their input checked, polled
//! by the server's poller, one trigger run queued per new item, the cursor kept
//! with the runs so that nothing is lost or repeated.

use std::time::Duration;

use block_core::http::Exchange;
use block_server::domain::{PollSubscription, Run, RunKind, RunSource, RunStatus, new_id, now_millis};
use block_server::storage::{PollOutcome, PollStore, RunStore, SqliteStorage};
use serde_json::{Value, json};

use crate::support::{TestServer, eventually, fresh_dir, runs_of};

const FEED: &str = "https://feeds.example.com/news.atom";

/// An Atom feed holding `entries` (id, title), newest first.
fn atom(entries: &[(&str, &str)]) -> String {
    let items: String = entries
        .iter()
        .map(|(id, title)| {
            format!(
                "<entry><id>{id}</id><title>{title}</title><link href=\"https://example.com/{id}\"/>\
                 <updated>2026-11-30T10:00:00Z</updated></entry>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>News</title>\
         <id>urn:news</id><updated>2026-11-30T10:00:00Z</updated>{items}</feed>"
    )
}

async fn poll_of(server: &TestServer, id: &str) -> Value {
    let listed = server.client().get("/external-api/v1/polls").await.expect(200).json();
    listed.as_array().into_iter().flatten().find(|poll| poll["id"] == id).cloned().unwrap_or(Value::Null)
}

/// Makes the subscription due now (its next poll time moved, as a claim does).
async fn due_now(server: &TestServer, id: &str) {
    let poll = poll_of(server, id).await;
    let next = poll["next_poll_at"].as_i64().expect("a next poll time");
    assert!(server.storage().claim_poll(id, next, now_millis()).await.expect("the storage answers"));
}

async fn trigger_runs(server: &TestServer) -> Vec<Run> {
    runs_of(server.storage().as_ref(), &server.user_id, 100)
        .await
        .into_iter()
        .filter(|run| run.source == RunSource::Poll)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polling_trigger_runs_once_for_each_new_feed_entry_and_never_twice() {
    let server = TestServer::start("polls-feed").await;
    let client = server.client();
    server.mock.push(Exchange::get(FEED).respond_body(200, atom(&[("a", "First")])));
    let body = json!({"block_id": "RssFeedTriggerBlock", "input": {"url": FEED}});
    let created = client.post("/external-api/v1/polls", &body).await.expect(201).json();
    let id = created["id"].as_str().expect("an id").to_owned();
    assert_eq!(created["every_secs"], 900, "every 15 minutes, as the block says");
    assert_eq!(created["input"], json!({"url": FEED}), "the input without its payload");

    // The first poll comes at once and only learns what the feed holds.
    let seeded =
        eventually(Duration::from_secs(10), || async { !poll_of(&server, &id).await["last_polled_at"].is_null() })
            .await;
    assert!(seeded, "the first poll happened: {}", poll_of(&server, &id).await);
    let after_first = poll_of(&server, &id).await;
    assert_eq!(after_first["runs_queued"], 0, "the first poll fires nothing: {after_first}");
    assert_eq!(after_first["last_error"], Value::Null);
    assert!(after_first["next_poll_at"].as_i64() > Some(now_millis() + 800_000), "the next poll is 15 minutes on");

    // Two new entries: two runs, oldest first, each with its entry.
    server.mock.push(Exchange::get(FEED).respond_body(200, atom(&[("c", "Third"), ("b", "Second"), ("a", "First")])));
    due_now(&server, &id).await;
    let ran = eventually(Duration::from_secs(15), || async {
        let runs = trigger_runs(&server).await;
        runs.len() == 2 && runs.iter().all(|run| run.status == RunStatus::Completed)
    })
    .await;
    let runs = trigger_runs(&server).await;
    assert!(ran, "two trigger runs completed: {runs:?}");
    // Run ids are UUID v7: they sort in the order the runs were queued.
    let mut titles: Vec<(String, Value)> =
        runs.iter().map(|run| (run.id.clone(), run.outputs["title"].clone())).collect();
    titles.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        titles.iter().map(|(_, title)| title.clone()).collect::<Vec<_>>(),
        [json!(["Second"]), json!(["Third"])]
    );
    assert!(runs.iter().all(|run| run.kind == RunKind::Trigger));
    assert_eq!(poll_of(&server, &id).await["runs_queued"], 2);

    // The same entries again: nothing more runs.
    server.mock.push(Exchange::get(FEED).respond_body(200, atom(&[("c", "Third"), ("b", "Second")])));
    due_now(&server, &id).await;
    let polled = eventually(Duration::from_secs(10), || async {
        poll_of(&server, &id).await["next_poll_at"].as_i64() > Some(now_millis() + 800_000)
    })
    .await;
    assert!(polled, "the third poll happened");
    assert_eq!(trigger_runs(&server).await.len(), 2, "entries seen before start nothing");
    server.mock.verify().expect("every poll fetched the feed once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_poll_says_why_and_keeps_its_cursor() {
    let server = TestServer::start("polls-failing").await;
    let client = server.client();
    server.mock.push(Exchange::get(FEED).respond(404));
    let body = json!({"block_id": "RssFeedTriggerBlock", "input": {"url": FEED}});
    let id =
        client.post("/external-api/v1/polls", &body).await.expect(201).json()["id"].as_str().expect("id").to_owned();
    let failed =
        eventually(Duration::from_secs(10), || async { !poll_of(&server, &id).await["last_error"].is_null() }).await;
    let poll = poll_of(&server, &id).await;
    assert!(failed, "the poll failed: {poll}");
    assert!(poll["last_error"].as_str().is_some_and(|error| error.contains("404")), "{poll}");
    assert_eq!(poll["runs_queued"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribing_checks_the_block_and_its_input() {
    let server = TestServer::start("polls-refused").await;
    let client = server.client();
    let missing = client.post("/external-api/v1/polls", &json!({"block_id": "RssFeedTriggerBlock", "input": {}})).await;
    let missing = missing.expect(422).json();
    assert!(missing.to_string().contains(r#"\"url\" is a required property"#), "the missing field is named: {missing}");
    let webhook =
        client.post("/external-api/v1/polls", &json!({"block_id": "CalculatorBlock"})).await.expect(422).json();
    assert!(webhook.to_string().contains("CalculatorBlock is not a polling trigger"), "{webhook}");
    let wrong_door = client
        .post("/external-api/v1/triggers", &json!({"block_id": "RssFeedTriggerBlock", "input": {"url": FEED}}))
        .await;
    let wrong_door = wrong_door.expect(422).json();
    assert!(wrong_door.to_string().contains("POST /external-api/v1/polls"), "the right door is named: {wrong_door}");
    client.post("/external-api/v1/polls", &json!({"block_id": "NoSuchBlock"})).await.expect(404);

    let id = {
        server.mock.push(Exchange::get(FEED).respond_body(200, atom(&[])).repeatable());
        let body = json!({"block_id": "RssFeedTriggerBlock", "input": {"url": FEED}});
        client.post("/external-api/v1/polls", &body).await.expect(201).json()["id"].as_str().expect("id").to_owned()
    };
    client.delete(&format!("/external-api/v1/polls/{id}")).await.expect(200);
    client.delete(&format!("/external-api/v1/polls/{id}")).await.expect(404);
    assert_eq!(client.get("/external-api/v1/polls").await.expect(200).json(), json!([]));
}

fn subscription(user_id: &str) -> PollSubscription {
    PollSubscription {
        id: new_id(),
        user_id: user_id.to_owned(),
        block_id: "0f3b8e52-4c1d-4a7e-9b65-2d8c7a1e5f93".to_owned(),
        input: json!({"url": FEED}),
        every_secs: 60,
        cursor: None,
        next_poll_at: 1_000,
        created_at: 1_000,
        last_polled_at: None,
        last_error: None,
        runs_queued: 0,
    }
}

fn queued_run(user_id: &str) -> Run {
    Run {
        id: block_server::domain::new_run_id().to_string(),
        kind: RunKind::Trigger,
        user_id: user_id.to_owned(),
        block_id: "0f3b8e52-4c1d-4a7e-9b65-2d8c7a1e5f93".to_owned(),
        parent_id: None,
        source: RunSource::Poll,
        source_ref: None,
        status: RunStatus::Queued,
        input: json!({"url": FEED, "payload": {"id": "x"}}),
        outputs: serde_json::Map::new(),
        truncated: Vec::new(),
        error: None,
        charged: 0,
        created_at: 2_000,
        started_at: None,
        finished_at: None,
        callback_url: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_is_claimed_once_and_commits_its_runs_with_its_cursor_or_not_at_all() {
    let dir = fresh_dir("polls-storage");
    let storage = SqliteStorage::open(&dir).expect("the storage opens");
    let (user, _) = block_server::services::accounts::local_user(&storage, 10).await.expect("a user");
    let poll = subscription(&user.id);
    storage.create_poll(poll.clone()).await.expect("stored");
    assert_eq!(storage.due_polls(999, 10).await.expect("read").len(), 0, "not due before its time");
    assert_eq!(storage.due_polls(1_000, 10).await.expect("read").len(), 1);

    assert!(storage.claim_poll(&poll.id, 1_000, 50_000).await.expect("claimed"));
    assert!(!storage.claim_poll(&poll.id, 1_000, 60_000).await.expect("answered"), "a second poller gets nothing");
    assert!(storage.due_polls(2_000, 10).await.expect("read").is_empty(), "a claimed poll is not due while leased");

    let outcome = PollOutcome {
        cursor: Some(json!({"dedupe": "seen_ids", "ids": ["x"]})),
        runs: vec![queued_run(&user.id)],
        next_poll_at: 70_000,
        polled_at: 3_000,
        error: None,
    };
    assert!(!storage.finish_poll(&poll.id, 49_999, outcome.clone()).await.expect("answered"), "only the lease holder");
    assert!(storage.finish_poll(&poll.id, 50_000, outcome.clone()).await.expect("committed"));
    let stored = storage.polls(&user.id).await.expect("read").remove(0);
    assert_eq!(stored.cursor, outcome.cursor);
    assert_eq!((stored.next_poll_at, stored.runs_queued, stored.last_polled_at), (70_000, 1, Some(3_000)));
    let run = storage.run(&user.id, &outcome.runs[0].id).await.expect("read");
    assert!(run.is_some_and(|run| run.status == RunStatus::Queued), "the run is queued with the cursor");

    // Deleted mid-poll: the commit stores nothing and queues nothing.
    assert!(storage.claim_poll(&poll.id, 70_000, 90_000).await.expect("claimed"));
    assert!(storage.delete_poll(&user.id, &poll.id).await.expect("deleted"));
    let late = PollOutcome { runs: vec![queued_run(&user.id)], ..outcome };
    assert!(!storage.finish_poll(&poll.id, 90_000, late.clone()).await.expect("answered"));
    assert!(storage.run(&user.id, &late.runs[0].id).await.expect("read").is_none(), "nothing queued for a gone poll");
}
