//! Runs: their records, and starting a paid one (charge and record in one
//! transaction).

use futures_util::future::BoxFuture;

use crate::domain::{ChargeOutcome, ExecutionRecord, Recovered};

use super::StorageError;

/// Run records.
#[async_trait::async_trait]
pub trait RunStore: Send + Sync + 'static {
    /// Records an execution (created or updated). The record is taken at the call
    /// and may be written later, together with others: dropping the future does not
    /// lose it, awaiting it waits until it is stored. Records of one execution are
    /// stored in the order of the calls. (Not an `async fn`: the record must be
    /// taken when the method is called, not when the future is first polled.)
    fn record_execution(&self, record: ExecutionRecord) -> BoxFuture<'static, Result<(), StorageError>>;

    /// [`record_execution`](Self::record_execution) for a caller that does not
    /// wait for the write (an implementation logs a failure).
    fn queue_execution(&self, record: ExecutionRecord);

    /// Starts a paid execution in one transaction: takes `record.charged` credits
    /// from `record.user_id` if the balance covers them, writes the ledger row
    /// (naming the execution, with `reason`) and stores `record` (running). Nothing
    /// is written when the balance is short. A crash after this leaves a running
    /// record that [`recover_interrupted`](Self::recover_interrupted) refunds.
    async fn start_paid_execution(&self, record: &ExecutionRecord, reason: &str)
    -> Result<ChargeOutcome, StorageError>;

    /// After a crash: marks every execution still recorded as running
    /// interrupted and gives back what it was charged (net of refunds), each with
    /// a ledger row, in one transaction. Only for a server starting up: another
    /// process serving the same storage has runs that are really running.
    async fn recover_interrupted(&self) -> Result<Recovered, StorageError>;

    /// Resolves once every record passed to
    /// [`record_execution`](Self::record_execution) before is stored.
    async fn flush(&self) -> Result<(), StorageError>;

    /// The latest `limit` executions of `user_id`, newest first (records passed
    /// to [`record_execution`](Self::record_execution) before included).
    async fn executions(&self, user_id: &str, limit: u32) -> Result<Vec<ExecutionRecord>, StorageError>;
}
