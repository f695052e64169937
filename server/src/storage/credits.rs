//! Credit balances and their ledger: every change of a balance is a ledger row
//! written in the same transaction.

use crate::domain::{ChargeOutcome, LedgerEntry};

use super::StorageError;

/// Balances and the ledger.
#[async_trait::async_trait]
pub trait CreditLedger: Send + Sync + 'static {
    /// The credit balance of `user_id` (0 for an unknown user).
    async fn balance(&self, user_id: &str) -> Result<u64, StorageError>;

    /// Takes `amount` credits from `user_id` if the balance covers them, writing a
    /// ledger row in the same transaction; never goes below zero, whatever runs
    /// concurrently.
    async fn charge(
        &self,
        user_id: &str,
        amount: u64,
        reason: &str,
        execution_id: Option<&str>,
    ) -> Result<ChargeOutcome, StorageError>;

    /// Takes up to `amount` credits (as many as the balance has), with a ledger
    /// row; returns how many were taken. For costs known only after a run.
    async fn charge_up_to(
        &self,
        user_id: &str,
        amount: u64,
        reason: &str,
        execution_id: Option<&str>,
    ) -> Result<u64, StorageError>;

    /// Adds `amount` credits (a top-up or a refund), with a ledger row; returns the
    /// new balance.
    async fn grant(
        &self,
        user_id: &str,
        amount: u64,
        reason: &str,
        execution_id: Option<&str>,
    ) -> Result<u64, StorageError>;

    /// The latest `limit` ledger rows of `user_id`, newest first.
    async fn ledger(&self, user_id: &str, limit: u32) -> Result<Vec<LedgerEntry>, StorageError>;
}
