//! The run queue: claims that take turns between users, leases renewed by
//! heartbeat, and the recovery of runs whose worker died (queued again if their
//! block had not started, else interrupted and refunded).

use std::collections::HashMap;
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
///
/// Every step reads an index, never the whole queue: the users with queued runs
/// come from a skip through `runs_queued_by_user` (one seek per user), each
/// user's oldest runs from the same index (as many as the user has room for),
/// and the running counts from `runs_running`. A claim thus costs the same with
/// ten runs queued or a million, which a worker claiming after every run it
/// finishes needs.
fn claim(
    conn: &mut Connection,
    worker: &str,
    limit: u32,
    per_user: u32,
    lease_until: i64,
) -> rusqlite::Result<Vec<Run>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let chosen = turns(&tx, limit, per_user)?;
    let mut claimed = Vec::with_capacity(chosen.len());
    {
        let mut statement = tx.prepare_cached(concat!(
            "UPDATE runs SET status = 'running', lease_owner = ?2, lease_until = ?3
             WHERE id = ?1 AND status = 'queued' RETURNING ",
            run_columns!()
        ))?;
        for id in &chosen {
            if let Some(run) = statement.query_row(params![id, worker, lease_until], run_row).optional()? {
                claimed.push(run);
            }
        }
    }
    tx.commit()?;
    Ok(claimed)
}

/// The ids of at most `limit` queued runs to claim, in turn order: every user's
/// oldest run first, then every user's second, and so on, oldest first within a
/// turn; no user past `per_user` running.
fn turns(conn: &Connection, limit: u32, per_user: u32) -> rusqlite::Result<Vec<String>> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if limit == 0 {
        return Ok(Vec::new());
    }
    let busy: HashMap<String, u32> = conn
        .prepare_cached(
            "SELECT user_id, count(*) FROM runs WHERE status = 'running' AND kind <> 'graph' GROUP BY user_id",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let users: Vec<String> = conn
        .prepare_cached(
            "WITH RECURSIVE waiting(user_id) AS (
                 SELECT min(user_id) FROM runs WHERE status = 'queued'
                 UNION ALL
                 SELECT (SELECT min(user_id) FROM runs WHERE status = 'queued' AND user_id > waiting.user_id)
                 FROM waiting WHERE waiting.user_id IS NOT NULL)
             SELECT user_id FROM waiting WHERE user_id IS NOT NULL",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut oldest = conn.prepare_cached(
        "SELECT id, created_at FROM runs WHERE status = 'queued' AND user_id = ?1 ORDER BY created_at, id LIMIT ?2",
    )?;
    // (turn, created_at, id) of every candidate.
    let mut candidates: Vec<(usize, i64, String)> = Vec::new();
    for user in &users {
        let room = per_user.saturating_sub(busy.get(user).copied().unwrap_or(0));
        let room = usize::try_from(room).unwrap_or(usize::MAX).min(limit);
        if room == 0 {
            continue;
        }
        let rows = oldest.query_map(params![user, i64::try_from(room).unwrap_or(i64::MAX)], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?;
        for (turn, row) in rows.enumerate() {
            let (id, created_at) = row?;
            candidates.push((turn, created_at, id));
        }
    }
    candidates.sort_unstable();
    candidates.truncate(limit);
    Ok(candidates.into_iter().map(|(_, _, id)| id).collect())
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
