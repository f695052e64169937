//! `block-server runs ...` and `block-server schedules ...`, run as a user
//! would run them, on a data directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use block_server::domain::{Run, RunKind, RunSource, RunStatus, new_run_id, now_millis};
use block_server::services::accounts as bootstrap;
use block_server::storage::RunStore;
use serde_json::{Value, json};

const CALCULATOR: &str = "470bd006-adb0-48de-a0d9-b3a7de19568b";

/// What a finished `block-server` process left behind.
struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Finished {
    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

/// A fresh, empty directory for one test.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-runs-schedules").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory is created");
    dir
}

/// `block-server` run in `dir` on its `data` directory.
fn block_server_in(dir: &Path, args: &[&str]) -> Finished {
    let data = dir.join("data");
    let mut command = Command::new(env!("CARGO_BIN_EXE_block-server"));
    command.args(args).arg("--data-dir").arg(&data).current_dir(dir).stdin(Stdio::null());
    let output = command.output().expect("the binary runs");
    Finished {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn schedules_are_created_listed_and_deleted_on_the_data_directory() {
    let dir = scratch_dir("schedules");
    let input = json!({"operation": "add", "a": 1, "b": 2}).to_string();
    let created = block_server_in(
        &dir,
        &[
            "schedules",
            "create",
            "--block",
            "calculator",
            "--cron",
            "0 9 * * MON-FRI",
            "--timezone",
            "Europe/Paris",
            "--input",
            &input,
            "--missed",
            "run_once",
            "--name",
            "weekday sums",
        ],
    );
    created.assert_code(0);
    let mut lines = created.stdout.lines();
    let id = lines.next().unwrap_or_default().to_owned();
    assert_eq!(id.len(), 36, "the first line is the schedule's id: {}", created.stdout);
    assert_eq!(lines.next(), Some("next fire times (Europe/Paris):"));
    let fires: Vec<&str> = lines.collect();
    assert_eq!(fires.len(), 5, "{}", created.stdout);
    assert!(fires.iter().all(|fire| fire.contains("T09:00:00+0")), "{fires:?}");

    let listed = block_server_in(&dir, &["schedules", "list"]);
    listed.assert_code(0);
    let row = listed.stdout.lines().find(|line| line.starts_with(&id)).unwrap_or_default();
    for shown in ["weekday sums", "CalculatorBlock", "0 9 * * MON-FRI", "Europe/Paris", "run_once", fires[0], "never"] {
        assert!(row.contains(shown), "{shown} in {row}");
    }
    assert!(listed.stdout.ends_with("\n1 schedule\n"), "{}", listed.stdout);

    block_server_in(&dir, &["schedules", "delete", &id]).assert_code(0);
    assert!(block_server_in(&dir, &["schedules", "list"]).stdout.ends_with("\n0 schedules\n"));
    let again = block_server_in(&dir, &["schedules", "delete", &id]);
    again.assert_code(1);
    assert!(again.stderr.contains(&format!("no schedule `{id}`")), "{}", again.stderr);
}

#[test]
fn an_invalid_schedule_exits_1_listing_every_problem_on_its_own_line() {
    let dir = scratch_dir("invalid");
    let run = block_server_in(
        &dir,
        &[
            "schedules",
            "create",
            "--block",
            CALCULATOR,
            "--cron",
            "0 25 * * *",
            "--timezone",
            "Europe/Pariss",
            "--input",
            r#"{"operation": "add", "a": "one", "b": 2}"#,
        ],
    );
    run.assert_code(1);
    assert!(run.stderr.starts_with("error: invalid schedule:\n"), "{}", run.stderr);
    for field in ["  - /cron: `0 25 * * *`", "  - /timezone: `Europe/Pariss`", "  - /input/a: "] {
        assert!(run.stderr.lines().any(|line| line.starts_with(field)), "{field} in:\n{}", run.stderr);
    }
    let unknown = block_server_in(&dir, &["schedules", "create", "--block", "calculater", "--cron", "@daily"]);
    unknown.assert_code(1);
    assert!(unknown.stderr.contains("did you mean `CalculatorBlock`?"), "{}", unknown.stderr);
    let policy =
        block_server_in(&dir, &["schedules", "create", "--block", CALCULATOR, "--cron", "@daily", "--missed", "twice"]);
    policy.assert_code(2);
    assert!(policy.stderr.contains("expected `skip` or `run_once`"), "{}", policy.stderr);
    assert!(block_server_in(&dir, &["schedules", "list"]).stdout.ends_with("\n0 schedules\n"), "nothing was stored");
}

fn run_of(user_id: &str, status: RunStatus, created_at: i64) -> Run {
    Run {
        id: new_run_id().to_string(),
        kind: RunKind::Block,
        user_id: user_id.to_owned(),
        block_id: CALCULATOR.to_owned(),
        parent_id: None,
        source: RunSource::Api,
        source_ref: None,
        status,
        input: json!({"operation": "add", "a": 1, "b": 2}),
        outputs: serde_json::Map::new(),
        truncated: Vec::new(),
        error: None,
        charged: 0,
        created_at,
        started_at: (status == RunStatus::Running).then_some(created_at),
        finished_at: None,
        callback_url: None,
    }
}

/// A data directory holding a queued run and a running one of the local
/// user, as a server would leave them; their ids.
async fn directory_with_runs(dir: &Path) -> (String, String) {
    let storage = block_server::app::open_storage_async(&dir.join("data")).await.expect("the storage opens");
    let (user, _) = bootstrap::local_user(&storage, 1000).await.expect("the local user");
    let queued = run_of(&user.id, RunStatus::Queued, now_millis() - 2000);
    let running = run_of(&user.id, RunStatus::Running, now_millis() - 1000);
    let ids = (queued.id.clone(), running.id.clone());
    storage.create_runs(vec![queued, running]).await.expect("stored");
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_listed_shown_and_stopped_on_the_data_directory() {
    let dir = scratch_dir("runs");
    let (queued, running) = directory_with_runs(&dir).await;

    let listed = block_server_in(&dir, &["runs", "list"]);
    listed.assert_code(0);
    let order: Vec<&str> = listed.stdout.lines().skip(1).filter_map(|line| line.split_whitespace().next()).collect();
    assert_eq!(&order[..2], [running.as_str(), queued.as_str()], "newest first:\n{}", listed.stdout);
    assert!(
        listed.stdout.contains("CalculatorBlock") && listed.stdout.ends_with("\n2 of 2 runs\n"),
        "{}",
        listed.stdout
    );
    let only_queued = block_server_in(&dir, &["runs", "list", "--status", "queued", "--limit", "5"]);
    assert!(only_queued.stdout.contains(&queued) && !only_queued.stdout.contains(&running), "{}", only_queued.stdout);
    block_server_in(&dir, &["runs", "list", "--status", "sleeping"]).assert_code(2);
    block_server_in(&dir, &["runs", "list", "--limit", "0"]).assert_code(2);

    let shown = block_server_in(&dir, &["runs", "show", &queued]);
    shown.assert_code(0);
    let record: Value = serde_json::from_str(&shown.stdout).expect("the record as JSON");
    assert_eq!((record["id"].as_str(), record["status"].as_str()), (Some(queued.as_str()), Some("queued")));
    assert_eq!(record["input"], json!({"operation": "add", "a": 1, "b": 2}));

    let stopped = block_server_in(&dir, &["runs", "stop", &queued]);
    stopped.assert_code(0);
    assert!(stopped.stdout.contains("stopped before it started"), "{}", stopped.stdout);
    let record: Value = serde_json::from_str(&block_server_in(&dir, &["runs", "show", &queued]).stdout).expect("JSON");
    assert_eq!(record["status"], "stopped");
    let over = block_server_in(&dir, &["runs", "stop", &queued]);
    over.assert_code(1);
    assert!(over.stderr.contains("already ended: stopped"), "{}", over.stderr);

    let asked = block_server_in(&dir, &["runs", "stop", &running]);
    asked.assert_code(0);
    assert!(asked.stdout.contains("the server running it stops it"), "{}", asked.stdout);
    let missing = block_server_in(&dir, &["runs", "show", "no-such-run"]);
    missing.assert_code(1);
    assert!(missing.stderr.contains("no run has the id `no-such-run`"), "{}", missing.stderr);
}
