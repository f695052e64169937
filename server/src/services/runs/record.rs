//! Keeping an execution's record (and its per-second charge) up to date, however
//! the run ends: finished, failed, or abandoned by the caller.

use std::time::Instant;

use block_core::{OutputEvent, RegisteredBlock, Usage};
use serde_json::{Map, Value};

use crate::domain::{ChargeOutcome, ExecutionRecord, ExecutionSource, ExecutionStatus, now_unix};
use crate::services::AppState;
use crate::storage::StorageError;

/// A run about to start, as [`open`] leaves it.
pub enum Opened {
    /// Go ahead: the record (stored as running if the run is paid, and charged).
    Ready(ExecutionRecord),
    /// The balance does not cover the run's price; nothing was written.
    Insufficient {
        /// What the run costs.
        price: u64,
        /// What the balance holds.
        balance: u64,
    },
}

/// Makes the record of a run of `block` for `user_id`, priced for `usage`. A paid
/// run is charged and stored as running in one transaction
/// (`Storage::start_paid_execution`), so that a crash mid-run is refunded at the
/// next start; a free one is not stored yet.
pub async fn open(
    state: &AppState,
    id: String,
    user_id: &str,
    block: &RegisteredBlock,
    usage: &Usage,
    source: ExecutionSource,
) -> Result<Opened, StorageError> {
    let price = block.price(usage);
    let record = ExecutionRecord {
        id,
        user_id: user_id.to_owned(),
        block_id: block.id().to_owned(),
        source,
        status: ExecutionStatus::Running,
        charged: price,
        pins: None,
        error: None,
        started_at: now_unix(),
        finished_at: None,
    };
    if price > 0 {
        let verb = if source == ExecutionSource::Webhook { "trigger" } else { "execute" };
        let reason = format!("{verb} {}", block.name());
        if let ChargeOutcome::Insufficient { balance } = state.storage().start_paid_execution(&record, &reason).await? {
            return Ok(Opened::Insufficient { price, balance });
        }
    }
    Ok(Opened::Ready(record))
}

/// Says why a run was refused for want of credits.
pub fn insufficient(block: &RegisteredBlock, price: u64, balance: u64) -> String {
    format!("running {} costs {price} credits; the balance is {balance}", block.name())
}

/// A run that was opened but did not start: gives back what it was charged and
/// marks it failed, saying why. The caller stores it.
pub async fn did_not_start(
    state: &AppState,
    record: &mut ExecutionRecord,
    block: &RegisteredBlock,
    why: String,
) -> Result<(), StorageError> {
    if record.charged > 0 {
        let reason = format!("refund: {} did not start", block.name());
        state.storage().grant(&record.user_id, record.charged, &reason, Some(&record.id)).await?;
        record.charged = 0;
    }
    record.status = ExecutionStatus::Failed;
    record.error = Some(why);
    record.finished_at = Some(now_unix());
    Ok(())
}

/// Outputs per pin and the first error of a run, for its record.
#[derive(Debug, Default)]
pub struct Tally {
    /// Outputs per pin, in the order pins first emitted.
    pins: Vec<(&'static str, u64)>,
    error: Option<String>,
}

impl Tally {
    /// Counts one output.
    pub fn observe(&mut self, event: &OutputEvent) {
        match self.pins.iter_mut().find(|(name, _)| *name == event.name) {
            Some((_, count)) => *count += 1,
            None => self.pins.push((event.name, 1)),
        }
        if event.name == OutputEvent::ERROR && self.error.is_none() {
            self.error = Some(event.value.as_str().map_or_else(|| event.value.to_string(), str::to_owned));
        }
    }

    /// Ends `record`: `status` (failed instead of completed when there was an
    /// error), the pin counts, the error, the end time.
    pub fn close(self, record: &mut ExecutionRecord, status: ExecutionStatus) {
        record.status = match status {
            ExecutionStatus::Completed if self.error.is_some() => ExecutionStatus::Failed,
            other => other,
        };
        let pins = self.pins.into_iter().map(|(name, count)| (name.to_owned(), Value::from(count)));
        record.pins = Some(Value::Object(pins.collect::<Map<String, Value>>()));
        record.error = self.error;
        record.finished_at = Some(now_unix());
    }
}

/// Tallies a run's outputs and writes its record when it ends. Dropped before
/// [`finish`](Self::finish), it records the run as cancelled.
pub struct RunRecord {
    state: AppState,
    record: Option<ExecutionRecord>,
    usage: Usage,
    started: Instant,
    tally: Tally,
}

impl RunRecord {
    /// Tracks `record` (already stored as running if paid), charged for `usage` so
    /// far.
    pub fn new(state: AppState, record: ExecutionRecord, usage: Usage) -> Self {
        RunRecord { state, record: Some(record), usage, started: Instant::now(), tally: Tally::default() }
    }

    /// Counts one output.
    pub fn observe(&mut self, event: &OutputEvent) {
        self.tally.observe(event);
    }

    /// Writes the final record now. For a paid run this resolves once the record
    /// is stored, so that an answered paid run is never taken for one a crash
    /// interrupted (and refunded); a free run's record is queued and this returns
    /// at once.
    pub async fn finish(mut self) {
        if let Some(record) = self.take(ExecutionStatus::Completed) {
            write(self.state.clone(), record, self.usage, self.started).await;
        }
    }

    fn take(&mut self, status: ExecutionStatus) -> Option<ExecutionRecord> {
        let mut record = self.record.take()?;
        std::mem::take(&mut self.tally).close(&mut record, status);
        Some(record)
    }
}

impl Drop for RunRecord {
    fn drop(&mut self) {
        let Some(record) = self.take(ExecutionStatus::Cancelled) else { return };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(write(self.state.clone(), record, self.usage, self.started));
        }
    }
}

/// Charges the per-second costs (known only now; taken up to the balance left, so
/// a run is never refused after the fact) and stores the record.
async fn write(state: AppState, mut record: ExecutionRecord, usage: Usage, started: Instant) {
    let elapsed = started.elapsed();
    let seconds = elapsed.as_secs() + u64::from(elapsed.subsec_nanos() > 0);
    if let Some(block) = state.registry().by_id(&record.block_id) {
        let extra = block.price(&Usage { seconds, ..usage }).saturating_sub(block.price(&usage));
        if extra > 0 {
            let reason = format!("run time of {} ({seconds} s)", block.name());
            match state.storage().charge_up_to(&record.user_id, extra, &reason, Some(&record.id)).await {
                Ok(taken) => record.charged += taken,
                Err(error) => tracing::error!(%error, execution = %record.id, "charging run time failed"),
            }
        }
    }
    if record.charged == 0 {
        state.storage().queue_execution(record);
    } else if let Err(error) = state.storage().record_execution(record).await {
        tracing::error!(%error, "recording an execution failed");
    }
}
