//! Keeping an execution's record (and its per-second charge) up to date, however
//! the run ends: finished, failed, or abandoned by the caller.

use std::time::Instant;

use block_core::{OutputEvent, Usage};
use serde_json::{Map, Value};

use crate::state::AppState;
use crate::storage::model::now_unix;
use crate::storage::{ExecutionRecord, ExecutionStatus};

/// Tallies a run's outputs and writes its record when it ends. Dropped before
/// [`finish`](Self::finish), it records the run as cancelled.
pub struct RunRecord {
    state: AppState,
    record: Option<ExecutionRecord>,
    usage: Usage,
    started: Instant,
    /// Outputs per pin, in the order pins first emitted.
    pins: Vec<(&'static str, u64)>,
    error: Option<String>,
}

impl RunRecord {
    /// Tracks `record` (already stored as running), charged for `usage` so far.
    pub fn new(state: AppState, record: ExecutionRecord, usage: Usage) -> Self {
        RunRecord { state, record: Some(record), usage, started: Instant::now(), pins: Vec::new(), error: None }
    }

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

    /// Writes the final record now. For a paid run this resolves once the record
    /// is stored, so that an answered paid run is never taken for one a crash
    /// interrupted (and refunded); a free run's record is queued and this returns
    /// at once.
    pub async fn finish(mut self) {
        let status = if self.error.is_some() { ExecutionStatus::Failed } else { ExecutionStatus::Completed };
        if let Some(record) = self.take(status) {
            write(self.state.clone(), record, self.usage, self.started).await;
        }
    }

    fn take(&mut self, status: ExecutionStatus) -> Option<ExecutionRecord> {
        let mut record = self.record.take()?;
        record.status = status;
        let pins =
            std::mem::take(&mut self.pins).into_iter().map(|(name, count)| (name.to_owned(), Value::from(count)));
        record.pins = Some(Value::Object(pins.collect::<Map<String, Value>>()));
        record.error = self.error.take();
        record.finished_at = Some(now_unix());
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
    if let Some(block) = state.registry.by_id(&record.block_id) {
        let extra = block.price(&Usage { seconds, ..usage }).saturating_sub(block.price(&usage));
        if extra > 0 {
            let reason = format!("run time of {} ({seconds} s)", block.name());
            match state.storage.charge_up_to(&record.user_id, extra, &reason, Some(&record.id)).await {
                Ok(taken) => record.charged += taken,
                Err(error) => tracing::error!(%error, execution = %record.id, "charging run time failed"),
            }
        }
    }
    if record.charged == 0 {
        state.storage.queue_execution(record);
    } else if let Err(error) = state.storage.record_execution(record).await {
        tracing::error!(%error, "recording an execution failed");
    }
}
