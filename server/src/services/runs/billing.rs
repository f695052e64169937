//! What a run costs: the per-run and per-byte costs, known before it starts and
//! charged before its block starts; the per-second costs, known at the end and
//! taken then, up to the balance left (a run is never refused after the fact).

use std::time::Duration;

use block_core::{PreparedRun, RegisteredBlock, Usage};
use serde_json::Value;

use crate::domain::{Run, RunKind};
use crate::services::AppState;

/// The `code` of a run's end when its owner's balance did not cover its start.
pub const INSUFFICIENT_CREDITS: &str = "insufficient_credits";

/// A run's price before it starts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Price {
    /// What is charged before the block starts.
    pub upfront: u64,
    /// What it was priced for.
    pub usage: Usage,
}

/// The price of a prepared run of `block`: its input as checked, and whether
/// the credentials it resolved are the platform's.
pub fn price_of(block: &RegisteredBlock, prepared: &PreparedRun) -> Price {
    let input_bytes = json_size(prepared.input());
    let usage = Usage {
        platform_credentials: prepared.uses_platform_credentials(),
        input_bytes: u64::try_from(input_bytes).unwrap_or(u64::MAX),
        seconds: 0,
    };
    Price { upfront: block.price(&usage), usage }
}

/// The size of `value` as compact JSON, counted without keeping the text.
pub(super) fn json_size(value: &Value) -> usize {
    let mut count = ByteCount(0);
    serde_json::to_writer(&mut count, value).map_or(usize::MAX, |()| count.0)
}

/// Counts the bytes written to it: the size of a value's JSON without keeping it.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether the input names platform default credentials (which platform-only costs
/// are charged for).
pub fn names_platform_credentials(state: &AppState, block: &RegisteredBlock, input: &Value) -> bool {
    block
        .credential_fields()
        .iter()
        .any(|field| input[field.name.as_str()]["id"].as_str().is_some_and(|id| state.credentials().is_platform(id)))
}

/// The ledger's reason for charging `run`.
pub fn reason(run: &Run, block: &RegisteredBlock) -> String {
    let verb = match run.kind {
        RunKind::Trigger => "trigger",
        RunKind::Schedule => "schedule",
        _ => "execute",
    };
    format!("{verb} {}", block.name())
}

/// Says why a run was refused for want of credits.
pub fn insufficient(block: &RegisteredBlock, price: u64, balance: u64) -> String {
    format!("running {} costs {price} credits; the balance is {balance}", block.name())
}

/// Whole seconds, rounded up.
pub fn seconds(elapsed: Duration) -> u64 {
    elapsed.as_secs() + u64::from(elapsed.subsec_nanos() > 0)
}

/// Takes the per-second costs of a run that took `seconds`; returns what was
/// taken.
pub async fn charge_time(state: &AppState, run: &Run, block: &RegisteredBlock, price: &Price, seconds: u64) -> u64 {
    let extra = block.price(&Usage { seconds, ..price.usage }).saturating_sub(price.upfront);
    if extra == 0 {
        return 0;
    }
    let reason = format!("run time of {} ({seconds} s)", block.name());
    match state.storage().charge_up_to(&run.user_id, extra, &reason, Some(&run.id)).await {
        Ok(taken) => taken,
        Err(error) => {
            tracing::error!(%error, run = %run.id, "charging run time failed");
            0
        }
    }
}
