//! Credit balances and their ledger.
//!
//! A charge is one conditional `UPDATE ... WHERE balance >= amount` whose row count
//! says whether it applied, and the ledger row is written in the same transaction:
//! concurrent charges can never spend the same credit twice, on SQLite or on any
//! database with the same statement.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{Cached, SqliteStorage};
use crate::domain::{ChargeOutcome, LedgerEntry, now_unix};
use crate::storage::{CreditLedger, StorageError};

fn credits(amount: u64) -> i64 {
    i64::try_from(amount).unwrap_or(i64::MAX)
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(super) fn balance(conn: &Connection, user_id: &str) -> rusqlite::Result<u64> {
    let balance: Option<i64> = conn
        .query_row_cached("SELECT balance FROM credit_balances WHERE user_id = ?1", [user_id], |row| row.get(0))
        .optional()?;
    Ok(balance.map_or(0, to_u64))
}

fn ledger_row(
    conn: &Connection,
    user_id: &str,
    amount: i64,
    reason: &str,
    execution_id: Option<&str>,
) -> rusqlite::Result<i64> {
    let balance: i64 =
        conn.query_row_cached("SELECT balance FROM credit_balances WHERE user_id = ?1", [user_id], |row| row.get(0))?;
    conn.execute_cached(
        "INSERT INTO credit_ledger (user_id, amount, balance_after, reason, execution_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![user_id, amount, balance, reason, execution_id, now_unix()],
    )?;
    Ok(balance)
}

fn charge(
    conn: &mut Connection,
    user_id: &str,
    amount: u64,
    reason: &str,
    execution_id: Option<&str>,
) -> rusqlite::Result<ChargeOutcome> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcome = take(&tx, user_id, amount, reason, execution_id)?;
    if matches!(outcome, ChargeOutcome::Charged { .. }) {
        tx.commit()?;
    }
    Ok(outcome)
}

/// [`charge`] inside the caller's transaction, which the caller commits only on
/// [`ChargeOutcome::Charged`].
pub(super) fn take(
    conn: &Connection,
    user_id: &str,
    amount: u64,
    reason: &str,
    execution_id: Option<&str>,
) -> rusqlite::Result<ChargeOutcome> {
    let amount = credits(amount);
    let changed = conn.execute_cached(
        "UPDATE credit_balances SET balance = balance - ?2 WHERE user_id = ?1 AND balance >= ?2",
        params![user_id, amount],
    )?;
    if changed != 1 {
        let balance = balance(conn, user_id)?;
        return Ok(ChargeOutcome::Insufficient { balance });
    }
    let balance = ledger_row(conn, user_id, -amount, reason, execution_id)?;
    Ok(ChargeOutcome::Charged { balance: to_u64(balance) })
}

fn charge_up_to(
    conn: &mut Connection,
    user_id: &str,
    amount: u64,
    reason: &str,
    execution_id: Option<&str>,
) -> rusqlite::Result<u64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let taken = balance(&tx, user_id)?.min(amount);
    if taken == 0 {
        return Ok(0);
    }
    tx.execute_cached(
        "UPDATE credit_balances SET balance = balance - ?2 WHERE user_id = ?1",
        params![user_id, credits(taken)],
    )?;
    ledger_row(&tx, user_id, -credits(taken), reason, execution_id)?;
    tx.commit()?;
    Ok(taken)
}

fn grant(
    conn: &mut Connection,
    user_id: &str,
    amount: u64,
    reason: &str,
    execution_id: Option<&str>,
) -> rusqlite::Result<u64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let balance = give(&tx, user_id, amount, reason, execution_id)?;
    tx.commit()?;
    Ok(balance)
}

/// [`grant`] inside the caller's transaction.
pub(super) fn give(
    conn: &Connection,
    user_id: &str,
    amount: u64,
    reason: &str,
    execution_id: Option<&str>,
) -> rusqlite::Result<u64> {
    let amount = credits(amount);
    conn.execute_cached(
        "INSERT INTO credit_balances (user_id, balance) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET balance = balance + excluded.balance",
        params![user_id, amount],
    )?;
    Ok(to_u64(ledger_row(conn, user_id, amount, reason, execution_id)?))
}

fn ledger(conn: &Connection, user_id: &str, limit: u32) -> rusqlite::Result<Vec<LedgerEntry>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, amount, balance_after, reason, execution_id, created_at FROM credit_ledger
         WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    statement
        .query_map(params![user_id, limit], |row| {
            Ok(LedgerEntry {
                id: row.get(0)?,
                amount: row.get(1)?,
                balance_after: row.get(2)?,
                reason: row.get(3)?,
                execution_id: row.get(4)?,
                created_at: row.get(5)?,
            })
        })?
        .collect()
}

#[async_trait::async_trait]
impl CreditLedger for SqliteStorage {
    async fn balance(&self, user_id: &str) -> Result<u64, StorageError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| balance(conn, &user_id)).await
    }

    async fn charge(
        &self,
        user_id: &str,
        amount: u64,
        reason: &str,
        execution_id: Option<&str>,
    ) -> Result<ChargeOutcome, StorageError> {
        let (user_id, reason, execution_id) = (user_id.to_owned(), reason.to_owned(), execution_id.map(str::to_owned));
        self.write(move |conn| charge(conn, &user_id, amount, &reason, execution_id.as_deref())).await
    }

    async fn charge_up_to(
        &self,
        user_id: &str,
        amount: u64,
        reason: &str,
        execution_id: Option<&str>,
    ) -> Result<u64, StorageError> {
        let (user_id, reason, execution_id) = (user_id.to_owned(), reason.to_owned(), execution_id.map(str::to_owned));
        self.write(move |conn| charge_up_to(conn, &user_id, amount, &reason, execution_id.as_deref())).await
    }

    async fn grant(
        &self,
        user_id: &str,
        amount: u64,
        reason: &str,
        execution_id: Option<&str>,
    ) -> Result<u64, StorageError> {
        let (user_id, reason, execution_id) = (user_id.to_owned(), reason.to_owned(), execution_id.map(str::to_owned));
        self.write(move |conn| grant(conn, &user_id, amount, &reason, execution_id.as_deref())).await
    }

    async fn ledger(&self, user_id: &str, limit: u32) -> Result<Vec<LedgerEntry>, StorageError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| ledger(conn, &user_id, limit)).await
    }
}
