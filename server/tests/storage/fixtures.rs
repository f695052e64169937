//! Users and runs the tests store.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use block_server::domain::{Run, RunKind, RunSource, RunStatus, User};
use block_server::storage::{RunEnd, RunFilter, Storage};
use serde_json::json;

/// A lease long enough that nothing expires during a test.
pub const LEASE: Duration = Duration::from_secs(30);

/// The calculator block's id.
pub const BLOCK: &str = "470bd006-adb0-48de-a0d9-b3a7de19568b";

/// A new user with `credits`, stored.
pub async fn user(storage: &dyn Storage, name: &str, credits: u64) -> User {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let user = User {
        id: format!("user-{name}-{}", NEXT.fetch_add(1, Ordering::Relaxed)),
        name: name.to_owned(),
        email: format!("{name}@example.com"),
        timezone: "UTC".to_owned(),
    };
    storage.create_user(user.clone(), credits).await.expect("the user is created");
    user
}

/// A run of `user` in `status`, its id and creation time ordered by `n`.
pub fn run(n: usize, user: &User, status: RunStatus) -> Run {
    let at = 1_700_000_000_000 + i64::try_from(n).expect("small");
    Run {
        id: format!("0190a000-0000-7000-8000-{n:012}"),
        kind: RunKind::Block,
        user_id: user.id.clone(),
        block_id: BLOCK.to_owned(),
        parent_id: None,
        source: RunSource::Api,
        source_ref: None,
        status,
        input: json!({"operation": "add", "a": n, "b": 1}),
        outputs: serde_json::Map::new(),
        truncated: Vec::new(),
        error: None,
        charged: 0,
        created_at: at,
        started_at: (status == RunStatus::Running).then_some(at),
        finished_at: None,
        callback_url: None,
    }
}

/// The end of `run`, completed with one output.
pub fn completed(run: &Run, charged: u64) -> RunEnd {
    let mut outputs = serde_json::Map::new();
    outputs.insert("result".to_owned(), json!([1]));
    RunEnd {
        id: run.id.clone(),
        status: RunStatus::Completed,
        outputs,
        truncated: Vec::new(),
        error: None,
        charged,
        finished_at: run.created_at + 1000,
    }
}

/// Every run of `user_id`, newest first.
pub async fn runs_of(storage: &dyn Storage, user_id: &str) -> Vec<Run> {
    storage.runs(user_id, &RunFilter::default(), None, 10_000).await.expect("the runs are listed").items
}

/// The sum of `user_id`'s ledger, which must equal the balance.
pub async fn ledger_sum(storage: &dyn Storage, user_id: &str) -> i64 {
    storage.ledger(user_id, 100_000).await.expect("the ledger").iter().map(|row| row.amount).sum()
}
