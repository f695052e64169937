//! Runs and their events; the queue's claims and leases are in [`super::run_queue`].

use std::time::Duration;

use futures_util::future::BoxFuture;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde_json::{Map, Value};

use super::record_groups::Write;
use super::run_rows::{FoldedEvent, insert_leased, json_text};
use super::{Cached, SqliteStorage, corrupt, credits};
use crate::domain::{ChargeOutcome, Run, RunEvent, RunKind, RunSource, RunStatus, now_millis};
use crate::storage::{Admission, RunEnd, RunFilter, RunPage, RunStore, StopOutcome, StorageError};

/// The columns [`run_row`] reads, in its order.
macro_rules! run_columns {
    () => {
        "id, kind, user_id, block_id, parent_id, source, source_ref, status, input, outputs, truncated, error, \
         charged, created_at, started_at, finished_at, callback_url"
    };
}
pub(super) use run_columns;

pub(super) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

pub(super) fn run_row(row: &Row<'_>) -> rusqlite::Result<Run> {
    let text = |index: usize| -> rusqlite::Result<String> { row.get(index) };
    let kind = text(1)?;
    let source = text(5)?;
    let status = text(7)?;
    let charged: i64 = row.get(12)?;
    Ok(Run {
        id: row.get(0)?,
        kind: RunKind::parse(&kind).ok_or_else(|| corrupt(1, format!("unknown run kind `{kind}`")))?,
        user_id: row.get(2)?,
        block_id: row.get(3)?,
        parent_id: row.get(4)?,
        source: RunSource::parse(&source).ok_or_else(|| corrupt(5, format!("unknown run source `{source}`")))?,
        source_ref: row.get(6)?,
        status: RunStatus::parse(&status).ok_or_else(|| corrupt(7, format!("unknown run status `{status}`")))?,
        input: serde_json::from_str(&text(8)?).map_err(|error| corrupt(8, error.to_string()))?,
        outputs: serde_json::from_str::<Map<String, Value>>(&text(9)?)
            .map_err(|error| corrupt(9, error.to_string()))?,
        truncated: serde_json::from_str(&text(10)?).map_err(|error| corrupt(10, error.to_string()))?,
        error: row.get(11)?,
        charged: u64::try_from(charged).unwrap_or(0),
        created_at: row.get(13)?,
        started_at: row.get(14)?,
        finished_at: row.get(15)?,
        callback_url: row.get(16)?,
    })
}

/// Inserts a queued run.
pub(super) fn insert_queued(conn: &Connection, run: &Run) -> rusqlite::Result<()> {
    insert_leased(conn, run, None, None, &[])
}

/// Appends events.
pub(super) fn insert_events(conn: &Connection, events: &[RunEvent]) -> rusqlite::Result<()> {
    let mut statement = conn
        .prepare_cached("INSERT OR IGNORE INTO run_events (run_id, seq, name, data, at) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for event in events {
        statement.execute(params![
            event.run_id,
            i64::try_from(event.seq).unwrap_or(i64::MAX),
            event.name,
            json_text(&event.data),
            event.at
        ])?;
    }
    Ok(())
}

/// Records how a run ended and releases its lease. A run already over (stopped
/// while queued, interrupted by a recovery) keeps its first end.
pub(super) fn end(conn: &Connection, end: &RunEnd) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE runs SET status = ?2, outputs = ?3, truncated = ?4, error = ?5, charged = ?6, finished_at = ?7,
             lease_owner = NULL, lease_until = NULL
         WHERE id = ?1 AND status IN ('queued', 'running')",
        params![
            end.id,
            end.status.as_str(),
            json_text(&end.outputs),
            json_text(&end.truncated),
            end.error,
            i64::try_from(end.charged).unwrap_or(i64::MAX),
            end.finished_at
        ],
    )?;
    Ok(())
}

fn start_run(conn: &mut Connection, id: &str, worker: &str, charge: u64, reason: &str) -> rusqlite::Result<Admission> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let user_id: Option<String> = tx
        .query_row_cached(
            "SELECT user_id FROM runs WHERE id = ?1 AND status = 'running' AND lease_owner = ?2",
            [id, worker],
            |row| row.get(0),
        )
        .optional()?;
    let Some(user_id) = user_id else { return Ok(Admission::NotHeld) };
    if charge > 0
        && let ChargeOutcome::Insufficient { balance } = credits::take(&tx, &user_id, charge, reason, Some(id))?
    {
        return Ok(Admission::Insufficient { balance });
    }
    tx.execute_cached(
        "UPDATE runs SET block_started = 1, started_at = ?2, charged = ?3 WHERE id = ?1",
        params![id, now_millis(), i64::try_from(charge).unwrap_or(i64::MAX)],
    )?;
    tx.commit()?;
    Ok(Admission::Started)
}

fn begin_paid_inline(
    conn: &mut Connection,
    run: &Run,
    worker: &str,
    lease_until: i64,
    charge: u64,
    reason: &str,
) -> rusqlite::Result<Admission> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let ChargeOutcome::Insufficient { balance } = credits::take(&tx, &run.user_id, charge, reason, Some(&run.id))? {
        return Ok(Admission::Insufficient { balance });
    }
    insert_leased(&tx, run, Some(worker), Some(lease_until), &[])?;
    tx.commit()?;
    Ok(Admission::Started)
}

fn get_run(conn: &Connection, user_id: &str, id: &str) -> rusqlite::Result<Option<Run>> {
    conn.query_row_cached(
        concat!("SELECT ", run_columns!(), " FROM runs WHERE id = ?1 AND user_id = ?2"),
        params![id, user_id],
        run_row,
    )
    .optional()
}

/// The filter's conditions, each off when its parameter is NULL: one constant
/// statement for every combination.
macro_rules! run_filter {
    () => {
        "user_id = ?1 AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR kind = ?3) AND (?4 IS NULL OR block_id = ?4)
         AND (?5 IS NULL OR created_at >= ?5) AND (?6 IS NULL OR parent_id = ?6)"
    };
}

fn list_runs(
    conn: &Connection,
    user_id: &str,
    filter: &RunFilter,
    cursor: Option<&str>,
    limit: u32,
) -> rusqlite::Result<RunPage> {
    let status = filter.status.map(RunStatus::as_str);
    let kind = filter.kind.map(RunKind::as_str);
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        run_columns!(),
        " FROM runs WHERE ",
        run_filter!(),
        " AND (?7 IS NULL OR id < ?7) ORDER BY id DESC LIMIT ?8"
    ))?;
    let mut items: Vec<Run> = statement
        .query_map(
            params![user_id, status, kind, filter.block_id, filter.since, filter.parent_id, cursor, limit + 1],
            run_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|run| run.id.clone())
    } else {
        None
    };
    let total: i64 = conn.query_row_cached(
        concat!("SELECT count(*) FROM runs WHERE ", run_filter!()),
        params![user_id, status, kind, filter.block_id, filter.since, filter.parent_id],
        |row| row.get(0),
    )?;
    Ok(RunPage { items, next_cursor, total_count: u64::try_from(total).unwrap_or(0) })
}

fn list_events(conn: &Connection, run_id: &str, after: u64, limit: u32) -> rusqlite::Result<Vec<RunEvent>> {
    // A run that started and ended within one commit keeps its events on its row.
    let folded: Option<Option<String>> =
        conn.query_row_cached("SELECT events FROM runs WHERE id = ?1", [run_id], |row| row.get(0)).optional()?;
    if let Some(Some(text)) = folded {
        let folded: Vec<FoldedEvent<'static>> =
            serde_json::from_str(&text).map_err(|error| corrupt(0, error.to_string()))?;
        return Ok(folded
            .into_iter()
            .filter(|(seq, ..)| *seq > after)
            .take(limit as usize)
            .map(|(seq, name, data, at)| RunEvent {
                run_id: run_id.to_owned(),
                seq,
                name: name.into_owned(),
                data: data.into_owned(),
                at,
            })
            .collect());
    }
    let mut statement = conn.prepare_cached(
        "SELECT seq, name, data, at FROM run_events WHERE run_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    statement
        .query_map(params![run_id, i64::try_from(after).unwrap_or(i64::MAX), limit], |row| {
            let seq: i64 = row.get(0)?;
            let data: String = row.get(2)?;
            Ok(RunEvent {
                run_id: run_id.to_owned(),
                seq: u64::try_from(seq).unwrap_or(0),
                name: row.get(1)?,
                data: serde_json::from_str(&data).map_err(|error| corrupt(2, error.to_string()))?,
                at: row.get(3)?,
            })
        })?
        .collect()
}

fn request_stop(conn: &mut Connection, user_id: &str, id: &str) -> rusqlite::Result<StopOutcome> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let status: Option<String> = tx
        .query_row_cached("SELECT status FROM runs WHERE id = ?1 AND user_id = ?2", params![id, user_id], |row| {
            row.get(0)
        })
        .optional()?;
    let outcome = match status.as_deref().and_then(RunStatus::parse) {
        None => StopOutcome::NotFound,
        Some(RunStatus::Queued) => {
            tx.execute_cached(
                "UPDATE runs SET status = 'stopped', finished_at = ?2, error = 'stopped before it started'
                 WHERE id = ?1",
                params![id, now_millis()],
            )?;
            StopOutcome::Stopped
        }
        Some(RunStatus::Running) => {
            tx.execute_cached("UPDATE runs SET stop_requested = 1 WHERE id = ?1", [id])?;
            StopOutcome::Requested
        }
        Some(over) => StopOutcome::AlreadyOver(over),
    };
    tx.commit()?;
    Ok(outcome)
}

#[async_trait::async_trait]
impl RunStore for SqliteStorage {
    async fn create_runs(&self, runs: Vec<Run>) -> Result<(), StorageError> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for run in &runs {
                insert_queued(&tx, run)?;
            }
            tx.commit()
        })
        .await
    }

    async fn start_run(&self, id: &str, worker: &str, charge: u64, reason: &str) -> Result<Admission, StorageError> {
        let (id, worker, reason) = (id.to_owned(), worker.to_owned(), reason.to_owned());
        self.write(move |conn| start_run(conn, &id, &worker, charge, &reason)).await
    }

    async fn begin_inline(
        &self,
        run: Run,
        worker: &str,
        lease: Duration,
        charge: u64,
        reason: &str,
    ) -> Result<Admission, StorageError> {
        let lease_until = now_millis().saturating_add(millis(lease));
        if charge == 0 {
            // Leased like any running run, so that a crash leaves it to recovery.
            self.inner.records.push_detached(Write::Run {
                run: Box::new(run),
                lease: Some((worker.to_owned(), lease_until)),
                events: Vec::new(),
            });
            return Ok(Admission::Started);
        }
        let (worker, reason) = (worker.to_owned(), reason.to_owned());
        self.write(move |conn| begin_paid_inline(conn, &run, &worker, lease_until, charge, &reason)).await
    }

    fn append_events(&self, events: Vec<RunEvent>) -> BoxFuture<'static, Result<(), StorageError>> {
        Box::pin(self.inner.records.push(Write::Events(events)))
    }

    fn append_events_later(&self, events: Vec<RunEvent>) {
        self.inner.records.push_detached(Write::Events(events));
    }

    fn finish_run(&self, end: RunEnd) -> BoxFuture<'static, Result<(), StorageError>> {
        Box::pin(self.inner.records.push(Write::End(Box::new(end))))
    }

    fn finish_run_later(&self, end: RunEnd) {
        self.inner.records.push_detached(Write::End(Box::new(end)));
    }

    async fn flush(&self) -> Result<(), StorageError> {
        self.flush_records().await
    }

    async fn run(&self, user_id: &str, id: &str) -> Result<Option<Run>, StorageError> {
        self.flush_records().await?;
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.read(move |conn| get_run(conn, &user_id, &id)).await
    }

    async fn runs(
        &self,
        user_id: &str,
        filter: &RunFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<RunPage, StorageError> {
        self.flush_records().await?;
        let (user_id, filter, cursor) = (user_id.to_owned(), filter.clone(), cursor.map(str::to_owned));
        self.read(move |conn| list_runs(conn, &user_id, &filter, cursor.as_deref(), limit)).await
    }

    async fn events(&self, run_id: &str, after: u64, limit: u32) -> Result<Vec<RunEvent>, StorageError> {
        self.flush_records().await?;
        let run_id = run_id.to_owned();
        self.read(move |conn| list_events(conn, &run_id, after, limit)).await
    }

    async fn request_stop(&self, user_id: &str, id: &str) -> Result<StopOutcome, StorageError> {
        self.flush_records().await?;
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| request_stop(conn, &user_id, &id)).await
    }
}
