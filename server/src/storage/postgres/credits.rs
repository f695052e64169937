//! Credit balances and their ledger.
//!
//! A charge is one conditional `UPDATE ... WHERE balance >= amount RETURNING
//! balance`: the row lock it takes holds until the ledger row is written in the
//! same transaction, so concurrent charges, from any process, can never spend
//! the same credit twice, and every ledger row's `balance_after` is the balance
//! its change left.

use deadpool_postgres::GenericClient;

use super::PostgresStorage;
use super::sql::{self, get};
use crate::domain::{ChargeOutcome, LedgerEntry, now_unix};
use crate::storage::{CreditLedger, StorageError};

/// The balance of `user_id` (0 for an unknown user).
pub(super) async fn balance(client: &impl GenericClient, user_id: &str) -> Result<u64, StorageError> {
    let row = sql::query_opt(client, "SELECT balance FROM credit_balances WHERE user_id = $1", &[&user_id]).await?;
    Ok(row.map(|row| get::<i64>(&row, 0)).transpose()?.map_or(0, sql::uint))
}

async fn ledger_row(
    client: &impl GenericClient,
    user_id: &str,
    amount: i64,
    balance_after: i64,
    reason: &str,
    execution_id: Option<&str>,
) -> Result<(), StorageError> {
    sql::execute(
        client,
        "INSERT INTO credit_ledger (user_id, amount, balance_after, reason, execution_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[&user_id, &amount, &balance_after, &reason, &execution_id, &now_unix()],
    )
    .await
    .map(drop)
}

/// Takes `amount` inside the caller's transaction, which the caller commits
/// only on [`ChargeOutcome::Charged`].
pub(super) async fn take(
    client: &impl GenericClient,
    user_id: &str,
    amount: u64,
    reason: &str,
    execution_id: Option<&str>,
) -> Result<ChargeOutcome, StorageError> {
    let amount = sql::int(amount);
    let row = sql::query_opt(
        client,
        "UPDATE credit_balances SET balance = balance - $2 WHERE user_id = $1 AND balance >= $2 RETURNING balance",
        &[&user_id, &amount],
    )
    .await?;
    let Some(row) = row else {
        return Ok(ChargeOutcome::Insufficient { balance: balance(client, user_id).await? });
    };
    let after: i64 = get(&row, 0)?;
    ledger_row(client, user_id, -amount, after, reason, execution_id).await?;
    Ok(ChargeOutcome::Charged { balance: sql::uint(after) })
}

/// Adds `amount` inside the caller's transaction; the new balance.
pub(super) async fn give(
    client: &impl GenericClient,
    user_id: &str,
    amount: u64,
    reason: &str,
    execution_id: Option<&str>,
) -> Result<u64, StorageError> {
    let amount = sql::int(amount);
    let row = sql::query_one(
        client,
        "INSERT INTO credit_balances (user_id, balance) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET balance = credit_balances.balance + excluded.balance
         RETURNING balance",
        &[&user_id, &amount],
    )
    .await?;
    let after: i64 = get(&row, 0)?;
    ledger_row(client, user_id, amount, after, reason, execution_id).await?;
    Ok(sql::uint(after))
}

#[async_trait::async_trait]
impl CreditLedger for PostgresStorage {
    async fn balance(&self, user_id: &str) -> Result<u64, StorageError> {
        balance(&self.client().await?, user_id).await
    }

    async fn charge(
        &self,
        user_id: &str,
        amount: u64,
        reason: &str,
        execution_id: Option<&str>,
    ) -> Result<ChargeOutcome, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let outcome = take(&tx, user_id, amount, reason, execution_id).await?;
        if matches!(outcome, ChargeOutcome::Charged { .. }) {
            tx.commit().await?;
        }
        Ok(outcome)
    }

    async fn charge_up_to(
        &self,
        user_id: &str,
        amount: u64,
        reason: &str,
        execution_id: Option<&str>,
    ) -> Result<u64, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Locks the balance until the commit: what is read is what is taken.
        let row = sql::query_opt(&tx, "SELECT balance FROM credit_balances WHERE user_id = $1 FOR UPDATE", &[&user_id])
            .await?;
        let current = row.map(|row| get::<i64>(&row, 0)).transpose()?.map_or(0, sql::uint);
        let taken = current.min(amount);
        if taken == 0 {
            return Ok(0);
        }
        let row = sql::query_one(
            &tx,
            "UPDATE credit_balances SET balance = balance - $2 WHERE user_id = $1 RETURNING balance",
            &[&user_id, &sql::int(taken)],
        )
        .await?;
        ledger_row(&tx, user_id, -sql::int(taken), get(&row, 0)?, reason, execution_id).await?;
        tx.commit().await?;
        Ok(taken)
    }

    async fn grant(
        &self,
        user_id: &str,
        amount: u64,
        reason: &str,
        execution_id: Option<&str>,
    ) -> Result<u64, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let balance = give(&tx, user_id, amount, reason, execution_id).await?;
        tx.commit().await?;
        Ok(balance)
    }

    async fn ledger(&self, user_id: &str, limit: u32) -> Result<Vec<LedgerEntry>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            "SELECT id, amount, balance_after, reason, execution_id, created_at FROM credit_ledger
             WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
            &[&user_id, &i64::from(limit)],
        )
        .await?;
        rows.iter()
            .map(|row| {
                Ok(LedgerEntry {
                    id: get(row, 0)?,
                    amount: get(row, 1)?,
                    balance_after: get(row, 2)?,
                    reason: get(row, 3)?,
                    execution_id: get(row, 4)?,
                    created_at: get(row, 5)?,
                })
            })
            .collect()
    }
}
