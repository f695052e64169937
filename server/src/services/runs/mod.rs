//! Running blocks: find, validate, price, charge, start, record; and keeping the
//! run's record (and its per-second charge) up to date however it ends.
//!
//! Credits: the per-run and per-byte costs are known before the run and charged
//! atomically before it starts (refused with [`Refusal::PaymentRequired`] when
//! the balance does not cover them); a run that then fails to start is refunded.
//! Per-second costs are known only at the end and are charged then, up to what the
//! balance holds. A caller who goes away cancels the run; what was charged stays
//! charged.

mod record;

use block_core::{ExecuteError, Execution, RegisteredBlock, RunOptions, Usage, Value};
use serde_json::json;

pub use record::{Opened, RunRecord, Tally, did_not_start, insufficient, open};

use super::{AppState, Refusal, ServiceError};
use crate::domain::{ExecutionSource, new_run_id};

/// A run that started: its outputs as they come, and its record to keep.
pub struct StartedRun {
    /// The outputs; dropping it cancels the run.
    pub execution: Execution,
    /// Tally each output into it, then [`RunRecord::finish`] it.
    pub record: RunRecord,
}

/// The block `id` (an id or a name), enabled.
pub fn runnable_block<'s>(state: &'s AppState, id: &str) -> Result<&'s RegisteredBlock, ServiceError> {
    let block = state.registry().find(id).ok_or_else(|| ServiceError::unknown_block(id))?;
    if block.descriptor().disabled {
        return Err(ServiceError::block_disabled(block.name()));
    }
    Ok(block)
}

/// Everything before a run of `block` for `user_id` on `input` (`input_bytes`
/// long as sent): validate, price, charge, start, record.
pub async fn start(
    state: &AppState,
    user_id: &str,
    block: &RegisteredBlock,
    input: Value,
    input_bytes: u64,
    source: ExecutionSource,
) -> Result<StartedRun, ServiceError> {
    block.validate(&input).map_err(|error| execute_error(block, error))?;
    let usage =
        Usage { platform_credentials: names_platform_credentials(state, block, &input), input_bytes, seconds: 0 };
    let id = new_run_id().to_string();
    let mut record = match open(state, id, user_id, block, &usage, source).await? {
        Opened::Ready(record) => record,
        Opened::Insufficient { price, balance } => {
            return Err(ServiceError::new(
                Refusal::PaymentRequired,
                "insufficient_credits",
                insufficient(block, price, balance),
            )
            .with_details(json!({"price": price, "balance": balance})));
        }
    };
    let options = RunOptions::for_user(user_id.to_owned());
    let execution = match state.executor().execute(block, input, options).await {
        Ok(execution) => execution,
        Err(error) => {
            // A paid run's record is stored; it must end refunded. A free run was
            // never stored and is answered with the error alone.
            if record.charged > 0 {
                did_not_start(state, &mut record, block, format!("did not start: {error}")).await?;
                state.storage().record_execution(record).await?;
            }
            return Err(execute_error(block, error));
        }
    };
    if record.charged == 0 {
        // Queued, not awaited: nothing is owed on a free run if a crash loses it.
        state.storage().queue_execution(record.clone());
    }
    Ok(StartedRun { execution, record: RunRecord::new(state.clone(), record, usage) })
}

/// Whether the input names platform default credentials (which platform-only costs
/// are charged for).
pub fn names_platform_credentials(state: &AppState, block: &RegisteredBlock, input: &Value) -> bool {
    block
        .credential_fields()
        .iter()
        .any(|field| input[field.name.as_str()]["id"].as_str().is_some_and(|id| state.credentials().is_platform(id)))
}

/// Why a run did not start, as a refusal.
pub fn execute_error(block: &RegisteredBlock, error: ExecuteError) -> ServiceError {
    match error {
        ExecuteError::InvalidInput { block, problems } => ServiceError::invalid_input(block, &problems),
        ExecuteError::Disabled { block } => ServiceError::block_disabled(block),
        other => ServiceError::internal(&format!("{} could not start", block.name()), other),
    }
}
