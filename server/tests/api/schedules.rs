//! Schedules: created with every problem listed, listed with their next fire
//! times, fired by the scheduler of each server (once, however many share the
//! storage), missed fires skipped or run once.

use std::sync::Arc;
use std::time::Duration;

use block_core::Registry;
use block_server::AppState;
use block_server::domain::{Cipher, MissedFires, Run, RunKind, RunSource, RunStatus, Schedule, ScheduleTarget};
use block_server::services::accounts as bootstrap;
use block_server::services::schedules::Scheduler;
use block_server::storage::{FireClaim, FireResult, ScheduleStore, SqliteStorage};
use serde_json::{Value, json};

use crate::support::{Options, TestServer, eventually, fresh_dir, runs_of};

const CALCULATOR: &str = "470bd006-adb0-48de-a0d9-b3a7de19568b";
const HOUR_MS: i64 = 3_600_000;

fn now_ms() -> i64 {
    block_server::domain::now_millis()
}

/// The runs `schedule_id` queued, oldest first.
async fn runs_of_schedule(server: &TestServer, schedule_id: &str) -> Vec<Run> {
    let mut runs: Vec<Run> = runs_of(server.storage().as_ref(), &server.user_id, 1000)
        .await
        .into_iter()
        .filter(|run| run.source_ref.as_deref() == Some(schedule_id))
        .collect();
    runs.reverse();
    runs
}

/// A schedule of the calculator, as the storage keeps it.
fn stored(user_id: &str, cron: &str, missed: MissedFires, next_fire_at: i64) -> Schedule {
    Schedule {
        id: block_server::domain::new_id(),
        user_id: user_id.to_owned(),
        name: "stored".to_owned(),
        target: ScheduleTarget::Block { block_id: CALCULATOR.to_owned() },
        input: json!({"operation": "add", "a": 1, "b": 2}),
        cron: cron.to_owned(),
        timezone: "UTC".to_owned(),
        missed,
        next_fire_at: Some(next_fire_at),
        created_at: now_ms(),
        last_fired_at: None,
        last_run_id: None,
        last_error: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_a_schedule_and_lists_it_with_its_next_five_fire_times() {
    let server = TestServer::start("schedules-create").await;
    let client = server.client();
    let body = json!({
        "block_id": "CalculatorBlock",
        "input": {"operation": "add", "a": 1, "b": 2},
        "cron": "0 9 * * MON-FRI",
        "timezone": "europe/paris",
        "name": "weekday sums",
    });
    let created = client.post("/external-api/v1/schedules", &body).await.expect(201).json();
    assert_eq!(created["target"], json!({"kind": "block", "block_id": CALCULATOR}), "the name is resolved to the id");
    assert_eq!(created["timezone"], "Europe/Paris", "the time zone's canonical name");
    assert_eq!(created["missed"], "skip", "missed fires are skipped unless asked");
    assert_eq!(created["name"], "weekday sums");
    let fires = created["next_fires"].as_array().cloned().unwrap_or_default();
    assert_eq!(fires.len(), 5, "{created}");
    let mut previous = now_ms();
    for fire in &fires {
        let (at, unix_ms) = (fire["at"].as_str().unwrap_or_default(), fire["unix_ms"].as_i64().unwrap_or_default());
        assert!(unix_ms > previous, "fire times come in order, after now: {fires:?}");
        previous = unix_ms;
        assert!(at.contains("T09:00:00+01:00") || at.contains("T09:00:00+02:00"), "09:00 in Paris: {at}");
        let parsed: jiff::Timestamp = at.parse().expect("RFC 3339");
        assert_eq!(parsed.as_millisecond(), unix_ms, "the two forms name one instant");
        let local = parsed.to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").expect("a known zone"));
        assert!(local.weekday().to_monday_one_offset() <= 5, "on a weekday: {at}");
    }

    let listed = client.get("/external-api/v1/schedules").await.expect(200).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], created["id"]);
    assert_eq!(listed[0]["next_fires"], created["next_fires"]);
    let defaulted = json!({"block_id": CALCULATOR, "input": {"operation": "add", "a": 1, "b": 2}, "cron": "@hourly"});
    let defaulted = client.post("/external-api/v1/schedules", &defaulted).await.expect(201).json();
    assert_eq!(defaulted["timezone"], "UTC", "the caller's own time zone");
    assert_eq!(defaulted["name"], "CalculatorBlock", "the block's name");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_a_bad_pattern_time_zone_and_input_listing_every_problem() {
    let server = TestServer::start("schedules-invalid").await;
    let client = server.client();
    let body = json!({
        "block_id": "CalculatorBlock",
        "input": {"operation": "add", "a": "one"},
        "cron": "61 * * * *",
        "timezone": "Mars/Olympus_Mons",
    });
    let answer = client.post("/external-api/v1/schedules", &body).await;
    assert_eq!(answer.expect(422).code(), "invalid_schedule");
    let problems = answer.json()["error"]["details"]["problems"].as_array().cloned().unwrap_or_default();
    let paths: Vec<&str> = problems.iter().filter_map(|problem| problem["path"].as_str()).collect();
    assert!(paths.contains(&"/cron") && paths.contains(&"/timezone"), "{paths:?}");
    assert!(
        paths.contains(&"/input/a") && paths.contains(&"/input"),
        "the wrong type and the missing field: {paths:?}"
    );
    let message = answer.json()["error"]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("`61 * * * *` is not a cron pattern"), "{message}");
    assert!(message.contains("`Mars/Olympus_Mons` is not an IANA time zone"), "{message}");

    let never = json!({"block_id": CALCULATOR, "input": {"operation": "add", "a": 1, "b": 2}, "cron": "0 0 30 2 *"});
    let answer = client.post("/external-api/v1/schedules", &never).await;
    assert_eq!(answer.expect(422).json()["error"]["details"]["problems"][0]["path"], "/cron");
    let unknown = json!({"block_id": "NoSuchBlock", "cron": "@daily"});
    assert_eq!(client.post("/external-api/v1/schedules", &unknown).await.expect(404).code(), "block_not_found");
    let policy = json!({"block_id": CALCULATOR, "cron": "@daily", "missed": "twice"});
    assert_eq!(client.post("/external-api/v1/schedules", &policy).await.expect(422).code(), "invalid_body");
    assert_eq!(client.get("/external-api/v1/schedules").await.expect(200).json(), json!([]), "nothing was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_second_schedule_queues_runs_that_complete_until_it_is_deleted() {
    let server = TestServer::start("schedules-fire").await;
    let client = server.client();
    let body = json!({"block_id": CALCULATOR, "input": {"operation": "add", "a": 2, "b": 3}, "cron": "* * * * * *"});
    let created = client.post("/external-api/v1/schedules", &body).await.expect(201).json();
    let id = created["id"].as_str().unwrap_or_default().to_owned();
    let fired = eventually(Duration::from_secs(10), || async {
        let runs = runs_of_schedule(&server, &id).await;
        runs.iter().filter(|run| run.status == RunStatus::Completed).count() >= 2
    })
    .await;
    assert!(fired, "two fires within a few seconds: {:?}", runs_of_schedule(&server, &id).await);
    let runs = runs_of_schedule(&server, &id).await;
    let run = runs.iter().find(|run| run.status == RunStatus::Completed).expect("a completed run");
    assert_eq!((run.kind, run.source, run.block_id.as_str()), (RunKind::Schedule, RunSource::Schedule, CALCULATOR));
    assert_eq!(run.outputs["result"], json!([5.0]), "the stored input ran");
    let listed = client.get("/external-api/v1/schedules").await.expect(200).json();
    assert!(listed[0]["last_run_id"].is_string() && listed[0]["last_fired_at"].is_i64(), "{listed}");

    let removed = client.delete(&format!("/external-api/v1/schedules/{id}")).await.expect(200).json();
    assert_eq!(removed, json!({"deleted": true}));
    // A fire taken just before the delete may still queue its run.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let settled = runs_of_schedule(&server, &id).await.len();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(runs_of_schedule(&server, &id).await.len(), settled, "a deleted schedule fires no more");
    let again = client.delete(&format!("/external-api/v1/schedules/{id}")).await;
    assert_eq!(again.expect(404).code(), "schedule_not_found");
}

/// A data directory whose local user has `schedule` stored, as a server that
/// stopped before its next fire time would leave it.
async fn directory_with(name: &str, schedule: impl FnOnce(&str) -> Schedule) -> (std::path::PathBuf, String) {
    let dir = fresh_dir(name);
    let storage = SqliteStorage::open_async(&dir).await.expect("the storage opens");
    let (user, _) = bootstrap::local_user(&storage, 1000).await.expect("the local user");
    let schedule = schedule(&user.id);
    let id = schedule.id.clone();
    storage.create_schedule(schedule).await.expect("stored");
    (dir, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fires_missed_while_the_server_was_down_are_skipped_by_default() {
    let (dir, id) =
        directory_with("schedules-skip", |user| stored(user, "0 * * * *", MissedFires::Skip, now_ms() - 3 * HOUR_MS))
            .await;
    let server = TestServer::start_with("schedules-skip", Options { dir: Some(dir), ..Options::default() }).await;
    let moved = eventually(Duration::from_secs(10), || async {
        let schedule = server.storage().schedule(&server.user_id, &id).await.expect("readable");
        schedule.and_then(|schedule| schedule.next_fire_at).is_some_and(|next| next > now_ms())
    })
    .await;
    assert!(moved, "the schedule moved on to the next fire time after now");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(runs_of_schedule(&server, &id).await.len(), 0, "nothing ran for the missed fires");
    let schedule = server.storage().schedule(&server.user_id, &id).await.expect("readable").expect("kept");
    assert_eq!(schedule.last_fired_at, None);
    let next = schedule.next_fire_at.unwrap_or_default();
    assert!(next - now_ms() <= HOUR_MS && next % HOUR_MS == 0, "the next full hour: {next}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_once_queues_one_run_for_every_fire_missed_while_the_server_was_down() {
    let (dir, id) = directory_with("schedules-run-once", |user| {
        stored(user, "*/5 * * * *", MissedFires::RunOnce, now_ms() - 3 * HOUR_MS)
    })
    .await;
    let server = TestServer::start_with("schedules-run-once", Options { dir: Some(dir), ..Options::default() }).await;
    let ran = eventually(Duration::from_secs(10), || async {
        runs_of_schedule(&server, &id).await.iter().any(|run| run.status == RunStatus::Completed)
    })
    .await;
    assert!(ran, "the missed fires ran once");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let runs = runs_of_schedule(&server, &id).await;
    assert_eq!(runs.len(), 1, "one run for 36 missed fires: {runs:?}");
    let schedule = server.storage().schedule(&server.user_id, &id).await.expect("readable").expect("kept");
    assert_eq!(schedule.last_run_id.as_deref(), Some(runs[0].id.as_str()));
    assert!(schedule.next_fire_at.is_some_and(|next| next > now_ms()), "it goes on from now");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fire_is_claimed_once_by_one_of_several_schedulers_on_one_database() {
    let server = TestServer::start("schedules-once").await;
    // A second server process on the same data directory: its own storage
    // connections, its own scheduler.
    let storage = Arc::new(SqliteStorage::open_async(&server.dir).await.expect("a second storage opens"));
    let (cipher, _) = Cipher::load(None, &server.dir).expect("the key loads");
    let other = AppState::builder(Registry::global().expect("valid"), storage.clone(), cipher)
        .build()
        .await
        .expect("the second state builds");
    let other_scheduler = Scheduler::start(other);

    let due = now_ms() + 1500;
    let mut ids = Vec::new();
    for _ in 0..5 {
        // Yearly: after this fire, the next is months away.
        let schedule = stored(&server.user_id, "0 0 1 1 *", MissedFires::Skip, due);
        ids.push(schedule.id.clone());
        storage.create_schedule(schedule).await.expect("stored");
    }
    let all_fired = eventually(Duration::from_secs(10), || async {
        let mut fired = 0;
        for id in &ids {
            fired += usize::from(!runs_of_schedule(&server, id).await.is_empty());
        }
        fired == ids.len()
    })
    .await;
    assert!(all_fired, "every schedule fired");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for id in &ids {
        assert_eq!(runs_of_schedule(&server, id).await.len(), 1, "schedule {id} fired once");
    }
    other_scheduler.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claim_is_a_compare_and_set_on_the_next_fire_time() {
    let server = TestServer::start("schedules-claim").await;
    let due = now_ms() + HOUR_MS;
    let schedule = stored(&server.user_id, "0 * * * *", MissedFires::Skip, due);
    let id = schedule.id.clone();
    server.storage().create_schedule(schedule).await.expect("stored");
    let second = SqliteStorage::open_async(&server.dir).await.expect("a second storage opens");
    let claim =
        FireClaim { id: id.clone(), due, next: Some(due + HOUR_MS), fired_at: Some(due), result: FireResult::Skipped };
    let (first, other) = tokio::join!(server.storage().claim_fire(claim.clone()), second.claim_fire(claim.clone()));
    let taken = [first.expect("claims"), other.expect("claims")];
    assert_eq!(taken.iter().filter(|taken| **taken).count(), 1, "exactly one claim holds: {taken:?}");
    assert!(!server.storage().claim_fire(claim).await.expect("claims"), "the same fire cannot be taken again");
    let schedule = second.schedule(&server.user_id, &id).await.expect("readable").expect("kept");
    assert_eq!((schedule.next_fire_at, schedule.last_fired_at), (Some(due + HOUR_MS), Some(due)));
    let gone = FireClaim { id: "no-such-schedule".into(), next: None, fired_at: None, ..claim_of_nothing(due) };
    assert!(!second.claim_fire(gone).await.expect("claims"), "nothing to claim");
}

/// A claim of the fire due at `due` that queues nothing.
fn claim_of_nothing(due: i64) -> FireClaim {
    FireClaim { id: String::new(), due, next: None, fired_at: None, result: FireResult::Skipped }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_schedules_are_neither_listed_nor_deleted() {
    let server = TestServer::start("schedules-owner").await;
    let other = block_server::domain::User {
        id: block_server::domain::new_id(),
        name: "Other".into(),
        email: "other@example.com".into(),
        timezone: "UTC".into(),
    };
    server.storage().create_user(other.clone(), 10).await.expect("another user");
    let theirs = stored(&other.id, "@daily", MissedFires::Skip, now_ms() + HOUR_MS);
    let id = theirs.id.clone();
    server.storage().create_schedule(theirs).await.expect("stored");
    let client = server.client();
    assert_eq!(client.get("/external-api/v1/schedules").await.expect(200).json(), Value::Array(Vec::new()));
    client.delete(&format!("/external-api/v1/schedules/{id}")).await.expect(404);
    assert!(server.storage().schedule(&other.id, &id).await.expect("readable").is_some(), "still theirs");
}

/// A block with a secret input field, which a schedule keeps for its runs and
/// never shows.
mod secret_input {
    use block_core::prelude::*;

    /// Inputs of [`TokenLengthBlock`].
    #[derive(BlockInput)]
    pub struct TokenLengthInput {
        /// A token typed into the input.
        #[block_input(secret)]
        pub token: String,
    }

    /// Outputs of [`TokenLengthBlock`].
    #[derive(BlockOutput)]
    pub enum TokenLengthOutput {
        /// How long the token is.
        Length(u64),
    }

    /// Says how long its secret input is.
    #[block(id = "2b17e79d-ba10-4973-a5f1-1b54a6dcfb09", categories(Basic), untested = "server tests")]
    pub struct TokenLengthBlock;

    impl Run for TokenLengthBlock {
        type Input = TokenLengthInput;
        type Output = TokenLengthOutput;

        async fn run(
            &self,
            input: TokenLengthInput,
            _ctx: &RunContext,
            out: &Emit<TokenLengthOutput>,
        ) -> Result<(), BlockError> {
            out.emit(TokenLengthOutput::Length(input.token.len() as u64)).await
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_input_values_are_kept_for_the_runs_and_never_shown() {
    let server = TestServer::start("schedules-secret").await;
    let client = server.client();
    let secret = "s3cr3t-token-value";
    let body = json!({"block_id": "TokenLengthBlock", "input": {"token": secret}, "cron": "* * * * * *"});
    let created = client.post("/external-api/v1/schedules", &body).await;
    assert!(!created.text.contains(secret), "{}", created.text);
    assert_eq!(created.expect(201).json()["input"], json!({"token": "********"}));
    let id = created.json()["id"].as_str().unwrap_or_default().to_owned();
    let listed = client.get("/external-api/v1/schedules").await;
    assert!(!listed.expect(200).text.contains(secret), "{}", listed.text);
    let ran = eventually(Duration::from_secs(10), || async {
        runs_of_schedule(&server, &id).await.iter().any(|run| run.status == RunStatus::Completed)
    })
    .await;
    assert!(ran, "the schedule fired");
    let runs = runs_of_schedule(&server, &id).await;
    let run = runs.iter().find(|run| run.status == RunStatus::Completed).expect("completed");
    assert_eq!(run.outputs["length"], json!([secret.len()]), "the run got the real value");
    client.delete(&format!("/external-api/v1/schedules/{id}")).await.expect(200);
    let wrong = json!({"block_id": "TokenLengthBlock", "input": {"token": 12345678}, "cron": "@daily"});
    let refused = client.post("/external-api/v1/schedules", &wrong).await;
    assert!(!refused.expect(422).text.contains("12345678"), "a refused secret is not echoed: {}", refused.text);
}
