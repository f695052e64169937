//! The run queue: claims that take turns between users, leases renewed by
//! heartbeat, and the recovery of runs whose worker died (queued again if their
//! block had not started, else interrupted and refunded).

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::runs::{millis, run_columns, run_row};
use super::{Cached, SqliteStorage, credits};
use crate::domain::{Run, RunEvent, now_millis};
use crate::storage::{Recovered, RunQueue, StorageError};

/// The error recorded on runs the server stopped in the middle of.
const INTERRUPTED: &str = "the server stopped during the run; what it was charged was refunded";

/// Claims queued runs, taking turns between users (the oldest waiting run of
/// each user first), at most `per_user` running per user.
fn claim(
    conn: &mut Connection,
    worker: &str,
    limit: u32,
    per_user: u32,
    lease_until: i64,
) -> rusqlite::Result<Vec<Run>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let claimed: Vec<Run> = {
        let mut statement = tx.prepare_cached(concat!(
            "WITH busy AS (SELECT user_id, count(*) AS n FROM runs WHERE status = 'running' GROUP BY user_id),
                  turns AS (
                      SELECT r.id AS id, r.created_at AS created_at,
                             ROW_NUMBER() OVER (PARTITION BY r.user_id ORDER BY r.created_at, r.id) AS turn,
                             COALESCE(busy.n, 0) AS n
                      FROM runs r LEFT JOIN busy ON busy.user_id = r.user_id
                      WHERE r.status = 'queued')
             UPDATE runs SET status = 'running', lease_owner = ?1, lease_until = ?2
             WHERE id IN (SELECT id FROM turns WHERE turn + n <= ?3 ORDER BY turn, created_at, id LIMIT ?4)
             RETURNING ",
            run_columns!()
        ))?;
        statement.query_map(params![worker, lease_until, per_user, limit], run_row)?.collect::<rusqlite::Result<_>>()?
    };
    tx.commit()?;
    Ok(claimed)
}

fn renew(conn: &mut Connection, worker: &str, runs: &[String], lease_until: i64) -> rusqlite::Result<Vec<String>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut stop = Vec::new();
    {
        let mut statement = tx.prepare_cached(
            "UPDATE runs SET lease_until = ?3 WHERE id = ?1 AND lease_owner = ?2 AND status = 'running'
             RETURNING stop_requested",
        )?;
        for id in runs {
            let requested: Option<bool> =
                statement.query_row(params![id, worker, lease_until], |row| row.get(0)).optional()?;
            if requested == Some(true) {
                stop.push(id.clone());
            }
        }
    }
    tx.commit()?;
    Ok(stop)
}

fn release(conn: &Connection, worker: &str, id: &str) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE runs SET status = 'queued', lease_owner = NULL, lease_until = NULL
         WHERE id = ?1 AND lease_owner = ?2 AND status = 'running' AND block_started = 0",
        params![id, worker],
    )?;
    Ok(())
}

fn recover(conn: &mut Connection, all: bool) -> rusqlite::Result<Recovered> {
    let now = now_millis();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stranded: Vec<(String, String, bool)> = tx
        .prepare_cached(
            "SELECT id, user_id, block_started FROM runs
             WHERE status = 'running' AND (?1 OR lease_until IS NULL OR lease_until < ?2) ORDER BY id",
        )?
        .query_map(params![all, now], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut recovered = Recovered::default();
    for (id, user_id, started) in stranded {
        if !started {
            tx.execute_cached(
                "UPDATE runs SET status = 'queued', lease_owner = NULL, lease_until = NULL WHERE id = ?1",
                [&id],
            )?;
            recovered.requeued += 1;
            continue;
        }
        // Net of every charge and refund the run had.
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
            "UPDATE runs SET status = 'interrupted', charged = MAX(charged - ?2, 0), error = ?3,
                 finished_at = COALESCE(finished_at, ?4), lease_owner = NULL, lease_until = NULL
             WHERE id = ?1",
            params![id, i64::try_from(refund).unwrap_or(i64::MAX), INTERRUPTED, now],
        )?;
        let seq: i64 =
            tx.query_row_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM run_events WHERE run_id = ?1", [&id], |row| {
                row.get(0)
            })?;
        let data = serde_json::json!({"status": "interrupted", "error": INTERRUPTED, "charged": 0});
        tx.execute_cached(
            "INSERT OR IGNORE INTO run_events (run_id, seq, name, data, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, seq, RunEvent::END, data.to_string(), now],
        )?;
        recovered.interrupted += 1;
        recovered.refunded += refund;
    }
    tx.commit()?;
    Ok(recovered)
}

#[async_trait::async_trait]
impl RunQueue for SqliteStorage {
    async fn claim(&self, worker: &str, limit: u32, per_user: u32, lease: Duration) -> Result<Vec<Run>, StorageError> {
        let worker = worker.to_owned();
        let lease_until = now_millis().saturating_add(millis(lease));
        self.write(move |conn| claim(conn, &worker, limit, per_user, lease_until)).await
    }

    async fn renew(&self, worker: &str, runs: &[String], lease: Duration) -> Result<Vec<String>, StorageError> {
        let (worker, runs) = (worker.to_owned(), runs.to_vec());
        let lease_until = now_millis().saturating_add(millis(lease));
        self.flush_records().await?;
        self.write(move |conn| renew(conn, &worker, &runs, lease_until)).await
    }

    async fn release(&self, worker: &str, id: &str) -> Result<(), StorageError> {
        let (worker, id) = (worker.to_owned(), id.to_owned());
        self.write(move |conn| release(conn, &worker, &id)).await
    }

    async fn recover(&self, all: bool) -> Result<Recovered, StorageError> {
        // Queued writes first: a run that ended is not stranded.
        self.flush_records().await?;
        self.write(move |conn| recover(conn, all)).await
    }
}
