//! Execution records.

use rusqlite::{Connection, Row, TransactionBehavior, params};

use super::{Cached, SqliteStorage, corrupt, credits};
use crate::domain::{ChargeOutcome, ExecutionRecord, ExecutionSource, ExecutionStatus, Recovered, now_unix};
use crate::storage::{RunStore, StorageError};

/// The error recorded on runs the server stopped in the middle of.
const INTERRUPTED: &str = "the server stopped during the run; what it was charged was refunded";

const UPSERT: &str =
    "INSERT INTO executions (id, user_id, block_id, source, status, charged, pins, error, started_at, finished_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, charged = excluded.charged,
         pins = excluded.pins, error = excluded.error, finished_at = excluded.finished_at";

pub(super) fn record(conn: &Connection, record: &ExecutionRecord) -> rusqlite::Result<()> {
    record_all(conn, std::iter::once(record))
}

/// Creates or updates each of `records`, on one statement.
pub(super) fn record_all<'a>(
    conn: &Connection,
    records: impl IntoIterator<Item = &'a ExecutionRecord>,
) -> rusqlite::Result<()> {
    let mut statement = conn.prepare_cached(UPSERT)?;
    for record in records {
        statement.execute(params![
            record.id,
            record.user_id,
            record.block_id,
            record.source.as_str(),
            record.status.as_str(),
            i64::try_from(record.charged).unwrap_or(i64::MAX),
            record.pins.as_ref().map(ToString::to_string),
            record.error,
            record.started_at,
            record.finished_at
        ])?;
    }
    Ok(())
}

fn execution_row(row: &Row<'_>) -> rusqlite::Result<ExecutionRecord> {
    let source: String = row.get(3)?;
    let status: String = row.get(4)?;
    let charged: i64 = row.get(5)?;
    let pins: Option<String> = row.get(6)?;
    Ok(ExecutionRecord {
        id: row.get(0)?,
        user_id: row.get(1)?,
        block_id: row.get(2)?,
        source: match source.as_str() {
            "api" => ExecutionSource::Api,
            "stream" => ExecutionSource::Stream,
            "webhook" => ExecutionSource::Webhook,
            other => return Err(corrupt(3, format!("unknown execution source `{other}`"))),
        },
        status: match status.as_str() {
            "running" => ExecutionStatus::Running,
            "completed" => ExecutionStatus::Completed,
            "failed" => ExecutionStatus::Failed,
            "cancelled" => ExecutionStatus::Cancelled,
            "interrupted" => ExecutionStatus::Interrupted,
            other => return Err(corrupt(4, format!("unknown execution status `{other}`"))),
        },
        charged: u64::try_from(charged).unwrap_or(0),
        pins: pins.and_then(|text| serde_json::from_str(&text).ok()),
        error: row.get(7)?,
        started_at: row.get(8)?,
        finished_at: row.get(9)?,
    })
}

fn list(conn: &Connection, user_id: &str, limit: u32) -> rusqlite::Result<Vec<ExecutionRecord>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, user_id, block_id, source, status, charged, pins, error, started_at, finished_at
         FROM executions WHERE user_id = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2",
    )?;
    statement.query_map(params![user_id, limit], execution_row)?.collect()
}

fn start_paid(conn: &mut Connection, record: &ExecutionRecord, reason: &str) -> rusqlite::Result<ChargeOutcome> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcome = credits::take(&tx, &record.user_id, record.charged, reason, Some(&record.id))?;
    if matches!(outcome, ChargeOutcome::Charged { .. }) {
        self::record(&tx, record)?;
        tx.commit()?;
    }
    Ok(outcome)
}

fn recover_interrupted(conn: &mut Connection) -> rusqlite::Result<Recovered> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let running: Vec<(String, String)> = tx
        .prepare_cached("SELECT id, user_id FROM executions WHERE status = 'running' ORDER BY started_at, id")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut recovered = Recovered::default();
    for (id, user_id) in running {
        // Net of every charge and refund the run had: per-second charges and a
        // refund for a run that did not start included.
        let net: i64 = tx.query_row_cached(
            "SELECT COALESCE(-SUM(amount), 0) FROM credit_ledger WHERE execution_id = ?1 AND user_id = ?2",
            params![id, user_id],
            |row| row.get(0),
        )?;
        let refund = u64::try_from(net).unwrap_or(0);
        if refund > 0 {
            credits::give(&tx, &user_id, refund, "refund: the server stopped during the run", Some(&id))?;
        }
        tx.execute_cached(
            "UPDATE executions SET status = 'interrupted', charged = MAX(charged - ?2, 0), error = ?3,
                 finished_at = COALESCE(finished_at, ?4)
             WHERE id = ?1",
            params![id, i64::try_from(refund).unwrap_or(i64::MAX), INTERRUPTED, now_unix()],
        )?;
        recovered.executions += 1;
        recovered.refunded += refund;
    }
    tx.commit()?;
    Ok(recovered)
}

#[async_trait::async_trait]
impl RunStore for SqliteStorage {
    fn record_execution(
        &self,
        record: ExecutionRecord,
    ) -> futures_util::future::BoxFuture<'static, Result<(), StorageError>> {
        Box::pin(self.inner.records.push(record))
    }

    fn queue_execution(&self, record: ExecutionRecord) {
        self.inner.records.push_detached(record);
    }

    async fn start_paid_execution(
        &self,
        record: &ExecutionRecord,
        reason: &str,
    ) -> Result<ChargeOutcome, StorageError> {
        let (record, reason) = (record.clone(), reason.to_owned());
        self.write(move |conn| start_paid(conn, &record, &reason)).await
    }

    async fn recover_interrupted(&self) -> Result<Recovered, StorageError> {
        // Queued records first: a run that ended is not interrupted.
        self.flush_records().await?;
        self.write(recover_interrupted).await
    }

    async fn flush(&self) -> Result<(), StorageError> {
        self.flush_records().await
    }

    async fn executions(&self, user_id: &str, limit: u32) -> Result<Vec<ExecutionRecord>, StorageError> {
        self.flush_records().await?;
        let user_id = user_id.to_owned();
        self.read(move |conn| list(conn, &user_id, limit)).await
    }
}
