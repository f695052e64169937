//! Runs: every execution is one. A request can run a block inline (answered
//! when it ends, or streamed) or queue it (answered at once; a worker runs it);
//! either way the run is recorded with its input, outputs, status, charge and
//! ordered events, which a client can read, follow live and resume.
//!
//! Credits: a run is prepared first (its input checked, its credentials
//! resolved), so nothing is charged for one that cannot start; the per-run and
//! per-byte costs are then charged atomically before its block starts (refused
//! with [`Refusal::PaymentRequired`] when the balance does not cover them). Per-second costs are known only at the end and are charged then, up
//! to what the balance holds. A caller who goes away from an inline run stops it;
//! what was charged stays charged. A run whose block started is never run again:
//! a crash ends it interrupted, and refunded.

mod billing;
pub mod callbacks;
mod driver;
mod follow;
mod graph_node_follow;
mod graph_nodes;
mod graph_run;
mod hub;
mod tally;
mod workers;

use block_core::{ExecuteError, RegisteredBlock, Value};

pub use billing::{insufficient, names_platform_credentials};
pub use driver::{Ended, RunDriver, Start};
pub use follow::follow;
pub use graph_run::events as graph_events;
pub use hub::{RunHub, StopSignal};
pub use tally::Tally;
pub use workers::Workers;

use super::run_input::{self, CheckedInput};
use super::{AppState, Refusal, ServiceError};
use crate::domain::{Run, RunEvent, RunKind, RunSource, RunStatus, new_run_id, now_millis};
use crate::storage::{RunFilter, RunPage, StopOutcome};

/// The block `id` (an id or a name), enabled.
pub fn runnable_block<'s>(state: &'s AppState, id: &str) -> Result<&'s RegisteredBlock, ServiceError> {
    let block = state.registry().find(id).ok_or_else(|| ServiceError::unknown_block(id))?;
    if block.descriptor().disabled {
        return Err(ServiceError::block_disabled(block.name()));
    }
    Ok(block)
}

/// What a new run is.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// Who it runs for.
    pub user_id: String,
    /// What kind of run.
    pub kind: RunKind,
    /// What started it.
    pub source: RunSource,
    /// The delivery, schedule or request that started it.
    pub source_ref: Option<String>,
    /// The run it belongs to.
    pub parent_id: Option<String>,
    /// Where to post the run record when it ends.
    pub callback_url: Option<String>,
}

impl NewRun {
    /// A block run for `user_id` started by `source`.
    pub fn block(user_id: &str, source: RunSource) -> Self {
        NewRun {
            user_id: user_id.to_owned(),
            kind: RunKind::Block,
            source,
            source_ref: None,
            parent_id: None,
            callback_url: None,
        }
    }

    pub(crate) fn record(self, block: &RegisteredBlock, input: Value, status: RunStatus) -> Run {
        Run {
            id: new_run_id().to_string(),
            kind: self.kind,
            user_id: self.user_id,
            block_id: block.id().to_owned(),
            parent_id: self.parent_id,
            source: self.source,
            source_ref: self.source_ref,
            status,
            input,
            outputs: serde_json::Map::new(),
            truncated: Vec::new(),
            error: None,
            charged: 0,
            created_at: now_millis(),
            started_at: None,
            finished_at: None,
            callback_url: self.callback_url,
        }
    }
}

/// Runs `block` on `input` inline, for a caller waiting on it: checked (with
/// its credentials), priced, charged, recorded (secret fields masked), started
/// (`start`: [`Start::Inline`] or [`Start::InlineSpawned`]). Poll the driver
/// for its outputs, then finish it.
pub async fn start_inline(
    state: &AppState,
    new: NewRun,
    block: &RegisteredBlock,
    input: Value,
    start: Start,
) -> Result<RunDriver, ServiceError> {
    let run = new.record(block, Value::Null, RunStatus::Running);
    RunDriver::start(state, run, block, input, start).await
}

/// A queued run, and the input keys that were ignored.
#[derive(Debug, Clone)]
pub struct Queued {
    /// The run as stored (its secret input fields sealed).
    pub run: Run,
    /// Top-level input keys the block does not declare, which were dropped.
    pub ignored: Vec<String>,
}

/// Queues a run of `block` on `input`: checked and stored at once (its secret
/// fields sealed), charged when a worker starts it.
pub async fn enqueue(
    state: &AppState,
    new: NewRun,
    block: &RegisteredBlock,
    input: Value,
) -> Result<Queued, ServiceError> {
    let queued = queued_record(state, new, block, input)?;
    state.storage().create_runs(vec![queued.run.clone()]).await?;
    state.run_hub().wake();
    Ok(queued)
}

/// The record of a run of `block` on `input` to queue, not stored yet (for a
/// caller that stores it in a transaction of its own): the input checked, its
/// secret fields sealed. Wake the workers ([`RunHub::wake`](hub::RunHub::wake))
/// once it is stored.
pub fn queued_record(
    state: &AppState,
    new: NewRun,
    block: &RegisteredBlock,
    input: Value,
) -> Result<Queued, ServiceError> {
    let CheckedInput { mut value, ignored } = run_input::check(block, input)?;
    run_input::seal(state.cipher(), block, &mut value)?;
    let run = new.record(block, value, RunStatus::Queued);
    Ok(Queued { run, ignored })
}

/// `user_id`'s run `id`, its secret input fields masked.
pub async fn get(state: &AppState, user_id: &str, id: &str) -> Result<Run, ServiceError> {
    let run = state.storage().run(user_id, id).await?.ok_or_else(|| not_found(id))?;
    Ok(shown(state, run))
}

/// `run` as it may be shown: its secret input fields masked.
pub fn shown(state: &AppState, mut run: Run) -> Run {
    if run.kind == RunKind::Graph {
        // A graph run's secret graph inputs are stored sealed.
        if let Some(Value::Object(values)) = run.input.get_mut("node_input") {
            run_input::mask_sealed(values);
        }
    } else if let Some(block) = state.registry().by_id(&run.block_id) {
        run_input::mask(block, &mut run.input);
    }
    run
}

fn not_found(id: &str) -> ServiceError {
    ServiceError::not_found("run_not_found", format!("no run `{id}`"))
}

/// `user_id`'s runs, newest first.
pub async fn list(
    state: &AppState,
    user_id: &str,
    filter: &RunFilter,
    cursor: Option<&str>,
    limit: u32,
) -> Result<RunPage, ServiceError> {
    let mut page = state.storage().runs(user_id, filter, cursor, limit).await?;
    page.items = page.items.into_iter().map(|run| shown(state, run)).collect();
    Ok(page)
}

/// Stops `user_id`'s run `id`: a queued one at once (nothing charged), a running
/// one as soon as its worker hears of it. Returns the run as it is now.
pub async fn stop(state: &AppState, user_id: &str, id: &str) -> Result<Run, ServiceError> {
    match state.storage().request_stop(user_id, id).await? {
        StopOutcome::NotFound => return Err(not_found(id)),
        StopOutcome::AlreadyOver(status) => {
            return Err(ServiceError::new(
                Refusal::Conflict,
                "run_over",
                format!("the run already ended: {}", status.as_str()),
            ));
        }
        StopOutcome::Stopped => {
            let end = RunEvent {
                run_id: id.to_owned(),
                seq: 1,
                name: RunEvent::END.to_owned(),
                data: serde_json::json!({"status": "stopped", "error": "stopped before it started", "charged": 0}),
                at: now_millis(),
            };
            state.storage().append_events(vec![end]).await?;
        }
        StopOutcome::Requested => {
            state.run_hub().stop(id);
        }
    }
    get(state, user_id, id).await
}

/// Why a run did not start, as a refusal.
pub fn execute_error(block: &RegisteredBlock, error: ExecuteError) -> ServiceError {
    match error {
        ExecuteError::InvalidInput { block, problems, .. }
        | ExecuteError::UnusableCredentials { block, problems, .. } => ServiceError::invalid_input(block, &problems),
        ExecuteError::Disabled { block } => ServiceError::block_disabled(block),
        ExecuteError::Unavailable { reason, retry_after } => {
            let refusal = ServiceError::new(Refusal::Unavailable, "unavailable", reason);
            // A client waits at least a second, whatever the provider said.
            refusal.retry_after(retry_after.map_or(1, |wait| wait.as_secs().max(1)))
        }
        other => ServiceError::internal(&format!("{} could not start", block.name()), other),
    }
}
