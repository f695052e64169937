//! The run queue shared by every process: claims that take turns between
//! users, leases renewed by heartbeat, and the recovery of runs whose worker
//! died (queued again if their block had not started, else interrupted and
//! refunded; a graph run queued again, to be resumed), by whichever live
//! process looks first.
//!
//! A claim takes its rows `FOR UPDATE SKIP LOCKED`, so it never waits behind a
//! run another transaction holds (a stop, a start, a recovery). Claims of
//! several processes are serialised by a transaction-scoped advisory lock:
//! the per-user limit counts the runs running everywhere, and two claims
//! counting at the same moment could each let a user exceed it. A claim is one
//! short statement, so the lock is held for milliseconds.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::runs::{announce_queued, millis, run_columns, run_row};
use super::sql::{self, get};
use super::{PostgresStorage, credits};
use crate::domain::{Run, RunEvent, now_millis};
use crate::storage::{Recovered, RunQueue, StorageError};

/// The error recorded on runs the server stopped in the middle of.
const INTERRUPTED: &str = "the server stopped during the run; what it was charged was refunded";

/// The advisory lock key claims hold (`'blocks-claims'`).
const CLAIM_LOCK: i64 = 0x626c_6f63_6b73_636c;

#[async_trait::async_trait]
impl RunQueue for PostgresStorage {
    async fn claim(&self, worker: &str, limit: u32, per_user: u32, lease: Duration) -> Result<Vec<Run>, StorageError> {
        let lease_until = now_millis().saturating_add(millis(lease));
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        sql::execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&CLAIM_LOCK]).await?;
        let rows = sql::query(
            &tx,
            concat!(
                // Each waiting user (one index probe apiece), then each one's
                // first runs up to its room under the limit (read from the
                // index in order): the claim reads what it may take, never the
                // whole queue. Graph runs only wait on their node runs, which
                // count: they take no place of their own.
                "WITH RECURSIVE waiting(user_id) AS (
                      SELECT min(user_id) FROM runs WHERE status = 'queued'
                      UNION ALL
                      SELECT (SELECT min(q.user_id) FROM runs q WHERE q.status = 'queued' AND q.user_id > waiting.user_id)
                      FROM waiting WHERE waiting.user_id IS NOT NULL),
                      busy AS (SELECT user_id, count(*) AS n FROM runs
                               WHERE status = 'running' AND kind <> 'graph' GROUP BY user_id),
                      turns AS (
                          SELECT t.id, t.created_at, t.turn
                          FROM waiting w
                          LEFT JOIN busy ON busy.user_id = w.user_id
                          CROSS JOIN LATERAL (
                              SELECT r.id, r.created_at, ROW_NUMBER() OVER (ORDER BY r.created_at, r.id) AS turn
                              FROM runs r WHERE r.status = 'queued' AND r.user_id = w.user_id
                              ORDER BY r.created_at, r.id
                              LIMIT GREATEST(LEAST($3 - COALESCE(busy.n, 0), $4), 0)) t
                          WHERE w.user_id IS NOT NULL),
                      picked AS (
                          SELECT id AS picked_id FROM runs
                          WHERE status = 'queued'
                            AND id IN (SELECT id FROM turns ORDER BY turn, created_at, id LIMIT $4)
                          FOR UPDATE SKIP LOCKED)
                 UPDATE runs SET status = 'running', lease_owner = $1, lease_until = $2
                 FROM picked WHERE runs.id = picked.picked_id
                 RETURNING ",
                run_columns!()
            ),
            &[&worker, &lease_until, &i64::from(per_user), &i64::from(limit)],
        )
        .await?;
        tx.commit().await?;
        let mut claimed = rows.iter().map(run_row).collect::<Result<Vec<_>, _>>()?;
        // As SQLite returns them: the order of the turns.
        claimed.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
        Ok(claimed)
    }

    async fn renew(&self, worker: &str, runs: &[String], lease: Duration) -> Result<Vec<String>, StorageError> {
        self.flush_records().await?;
        let lease_until = now_millis().saturating_add(millis(lease));
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            "UPDATE runs SET lease_until = $3 WHERE id = ANY($1) AND lease_owner = $2 AND status = 'running'
             RETURNING id, stop_requested",
            &[&runs, &worker, &lease_until],
        )
        .await?;
        let mut stop = Vec::new();
        for row in &rows {
            if get::<bool>(row, 1)? {
                stop.push(get(row, 0)?);
            }
        }
        Ok(stop)
    }

    async fn release(&self, worker: &str, id: &str) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let changed = sql::execute(
            &tx,
            "UPDATE runs SET status = 'queued', lease_owner = NULL, lease_until = NULL
             WHERE id = $1 AND lease_owner = $2 AND status = 'running' AND block_started = FALSE",
            &[&id, &worker],
        )
        .await?;
        if changed > 0 {
            announce_queued(&tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn recover(&self, all: bool) -> Result<Recovered, StorageError> {
        // Queued writes first: a run that ended is not stranded.
        self.flush_records().await?;
        let now = now_millis();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Rows another process is recovering (or starting, or stopping) are
        // skipped: that process settles them.
        let stranded = sql::query(
            &tx,
            "SELECT id, user_id, block_started, kind = 'graph' FROM runs
             WHERE status = 'running' AND ($1 OR lease_until IS NULL OR lease_until < $2) ORDER BY id
             FOR UPDATE SKIP LOCKED",
            &[&all, &now],
        )
        .await?;
        let mut recovered = Recovered::default();
        for row in &stranded {
            let (id, user_id, started): (String, String, bool) = (get(row, 0)?, get(row, 1)?, get(row, 2)?);
            // A graph run runs no block of its own: its node runs are runs of
            // their own, queued for any worker, so another worker resumes it.
            let graph: bool = get(row, 3)?;
            if !started || graph {
                sql::execute(
                    &tx,
                    "UPDATE runs SET status = 'queued', lease_owner = NULL, lease_until = NULL WHERE id = $1",
                    &[&id],
                )
                .await?;
                recovered.requeued += 1;
                continue;
            }
            // Net of every charge and refund the run had.
            let net = sql::query_one(
                &tx,
                "SELECT COALESCE(-SUM(amount), 0)::bigint FROM credit_ledger WHERE execution_id = $1 AND user_id = $2",
                &[&id, &user_id],
            )
            .await?;
            let refund = sql::uint(get(&net, 0)?);
            if refund > 0 {
                credits::give(&tx, &user_id, refund, "refund: the server stopped during the run", Some(&id)).await?;
            }
            sql::execute(
                &tx,
                "UPDATE runs SET status = 'interrupted', charged = GREATEST(charged - $2, 0), error = $3,
                     finished_at = COALESCE(finished_at, $4), lease_owner = NULL, lease_until = NULL
                 WHERE id = $1",
                &[&id, &sql::int(refund), &INTERRUPTED, &now],
            )
            .await?;
            let data = serde_json::json!({"status": "interrupted", "error": INTERRUPTED, "charged": 0});
            sql::execute(
                &tx,
                "INSERT INTO run_events (run_id, seq, name, data, at)
                 SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4 FROM run_events WHERE run_id = $1
                 ON CONFLICT (run_id, seq) DO NOTHING",
                &[&id, &RunEvent::END, &data.to_string(), &now],
            )
            .await?;
            recovered.interrupted += 1;
            recovered.refunded += refund;
        }
        if recovered.requeued > 0 {
            announce_queued(&tx).await?;
        }
        tx.commit().await?;
        Ok(recovered)
    }

    fn queue_signal(&self) -> Option<Arc<Notify>> {
        Some(self.inner.queued.clone())
    }

    fn shared_by_processes(&self) -> bool {
        true
    }
}
