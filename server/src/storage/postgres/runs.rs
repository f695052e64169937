//! Runs and their events; the queue's claims and leases are in
//! [`super::run_queue`]. Queued runs are announced on the runs channel in the
//! transaction that queues them, so that a worker of any process wakes.

use std::time::Duration;

use deadpool_postgres::GenericClient;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use tokio_postgres::Row;

use super::record_queue::Write;
use super::sql::{self, from_json, get, json_text};
use super::{PostgresStorage, RUNS_CHANNEL, credits};
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

pub(super) fn run_row(row: &Row) -> Result<Run, StorageError> {
    let kind: String = get(row, 1)?;
    let source: String = get(row, 5)?;
    let status: String = get(row, 7)?;
    Ok(Run {
        id: get(row, 0)?,
        kind: RunKind::parse(&kind).ok_or_else(|| StorageError::corrupt(format!("unknown run kind `{kind}`")))?,
        user_id: get(row, 2)?,
        block_id: get(row, 3)?,
        parent_id: get(row, 4)?,
        source: RunSource::parse(&source)
            .ok_or_else(|| StorageError::corrupt(format!("unknown run source `{source}`")))?,
        source_ref: get(row, 6)?,
        status: RunStatus::parse(&status)
            .ok_or_else(|| StorageError::corrupt(format!("unknown run status `{status}`")))?,
        input: from_json(get(row, 8)?, "a run's input")?,
        outputs: from_json::<Map<String, Value>>(get(row, 9)?, "a run's outputs")?,
        truncated: from_json(get(row, 10)?, "a run's truncated pins")?,
        error: get(row, 11)?,
        charged: sql::uint(get(row, 12)?),
        created_at: get(row, 13)?,
        started_at: get(row, 14)?,
        finished_at: get(row, 15)?,
        callback_url: get(row, 16)?,
    })
}

/// Says to every process's workers that runs were queued (delivered at commit).
pub(super) async fn announce_queued(client: &impl GenericClient) -> Result<(), StorageError> {
    sql::execute(client, "SELECT pg_notify($1, '')", &[&RUNS_CHANNEL]).await.map(drop)
}

/// Inserts queued runs and announces them.
pub(super) async fn insert_queued(client: &impl GenericClient, runs: &[Run]) -> Result<(), StorageError> {
    for run in runs {
        insert_leased(client, run, None, None).await?;
    }
    if !runs.is_empty() {
        announce_queued(client).await?;
    }
    Ok(())
}

/// Inserts a run (`block_started` set when it has a start time), held by
/// `worker` until `lease_until` if it is running.
pub(super) async fn insert_leased(
    client: &impl GenericClient,
    run: &Run,
    worker: Option<&str>,
    lease_until: Option<i64>,
) -> Result<(), StorageError> {
    sql::execute(
        client,
        "INSERT INTO runs (id, kind, user_id, block_id, parent_id, source, source_ref, status, input, outputs, truncated,
                           error, charged, created_at, started_at, finished_at, callback_url, block_started,
                           lease_owner, lease_until)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        &[
            &run.id,
            &run.kind.as_str(),
            &run.user_id,
            &run.block_id,
            &run.parent_id,
            &run.source.as_str(),
            &run.source_ref,
            &run.status.as_str(),
            &json_text(&run.input),
            &json_text(&run.outputs),
            &json_text(&run.truncated),
            &run.error,
            &sql::int(run.charged),
            &run.created_at,
            &run.started_at,
            &run.finished_at,
            &run.callback_url,
            &run.started_at.is_some(),
            &worker,
            &lease_until,
        ],
    )
    .await
    .map(drop)
}

/// Appends events (an event already stored is kept).
pub(super) async fn insert_events(client: &impl GenericClient, events: &[RunEvent]) -> Result<(), StorageError> {
    let statement = client
        .prepare_cached(
            "INSERT INTO run_events (run_id, seq, name, data, at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (run_id, seq) DO NOTHING",
        )
        .await?;
    for event in events {
        client
            .execute(
                &statement,
                &[&event.run_id, &sql::int(event.seq), &event.name, &json_text(&event.data), &event.at],
            )
            .await?;
    }
    Ok(())
}

/// Records how a run ended and releases its lease. A run already over (stopped
/// while queued, interrupted by a recovery) keeps its first end.
pub(super) async fn end(client: &impl GenericClient, end: &RunEnd) -> Result<(), StorageError> {
    sql::execute(
        client,
        "UPDATE runs SET status = $2, outputs = $3, truncated = $4, error = $5, charged = $6, finished_at = $7,
             lease_owner = NULL, lease_until = NULL
         WHERE id = $1 AND status IN ('queued', 'running')",
        &[
            &end.id,
            &end.status.as_str(),
            &json_text(&end.outputs),
            &json_text(&end.truncated),
            &end.error,
            &sql::int(end.charged),
            &end.finished_at,
        ],
    )
    .await
    .map(drop)
}

/// The filter's conditions, each off when its parameter is NULL: one constant
/// statement for every combination.
macro_rules! run_filter {
    () => {
        "user_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR kind = $3)
         AND ($4::text IS NULL OR block_id = $4) AND ($5::bigint IS NULL OR created_at >= $5)
         AND ($6::text IS NULL OR parent_id = $6)"
    };
}

#[async_trait::async_trait]
impl RunStore for PostgresStorage {
    async fn create_runs(&self, runs: Vec<Run>) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        insert_queued(&tx, &runs).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn start_run(&self, id: &str, worker: &str, charge: u64, reason: &str) -> Result<Admission, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Locked until the commit: a stop or a recovery waits for the start.
        let row = sql::query_opt(
            &tx,
            "SELECT user_id FROM runs WHERE id = $1 AND status = 'running' AND lease_owner = $2 FOR UPDATE",
            &[&id, &worker],
        )
        .await?;
        let Some(row) = row else { return Ok(Admission::NotHeld) };
        let user_id: String = get(&row, 0)?;
        if charge > 0
            && let ChargeOutcome::Insufficient { balance } =
                credits::take(&tx, &user_id, charge, reason, Some(id)).await?
        {
            return Ok(Admission::Insufficient { balance });
        }
        sql::execute(
            &tx,
            "UPDATE runs SET block_started = TRUE, started_at = $2, charged = $3 WHERE id = $1",
            &[&id, &now_millis(), &sql::int(charge)],
        )
        .await?;
        tx.commit().await?;
        Ok(Admission::Started)
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
            self.inner.records.push_detached(Write::Run { run: Box::new(run), worker: worker.to_owned(), lease_until });
            return Ok(Admission::Started);
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if let ChargeOutcome::Insufficient { balance } =
            credits::take(&tx, &run.user_id, charge, reason, Some(&run.id)).await?
        {
            return Ok(Admission::Insufficient { balance });
        }
        insert_leased(&tx, &run, Some(worker), Some(lease_until)).await?;
        tx.commit().await?;
        Ok(Admission::Started)
    }

    fn append_events(&self, events: Vec<RunEvent>) -> BoxFuture<'static, Result<(), StorageError>> {
        Box::pin(self.inner.records.push(Write::Events(events)))
    }

    fn finish_run(&self, end: RunEnd) -> BoxFuture<'static, Result<(), StorageError>> {
        Box::pin(self.inner.records.push(Write::End(Box::new(end))))
    }

    async fn flush(&self) -> Result<(), StorageError> {
        self.flush_records().await
    }

    async fn run(&self, user_id: &str, id: &str) -> Result<Option<Run>, StorageError> {
        self.flush_records().await?;
        let client = self.client().await?;
        let row = sql::query_opt(
            &client,
            concat!("SELECT ", run_columns!(), " FROM runs WHERE id = $1 AND user_id = $2"),
            &[&id, &user_id],
        )
        .await?;
        row.as_ref().map(run_row).transpose()
    }

    async fn runs(
        &self,
        user_id: &str,
        filter: &RunFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<RunPage, StorageError> {
        self.flush_records().await?;
        let client = self.client().await?;
        let status = filter.status.map(RunStatus::as_str);
        let kind = filter.kind.map(RunKind::as_str);
        let rows = sql::query(
            &client,
            concat!(
                "SELECT ",
                run_columns!(),
                " FROM runs WHERE ",
                run_filter!(),
                " AND ($7::text IS NULL OR id < $7) ORDER BY id DESC LIMIT $8"
            ),
            &[
                &user_id,
                &status,
                &kind,
                &filter.block_id,
                &filter.since,
                &filter.parent_id,
                &cursor,
                &(i64::from(limit) + 1),
            ],
        )
        .await?;
        let mut items = rows.iter().map(run_row).collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|run| run.id.clone())
        } else {
            None
        };
        let total = sql::query_one(
            &client,
            concat!("SELECT count(*) FROM runs WHERE ", run_filter!()),
            &[&user_id, &status, &kind, &filter.block_id, &filter.since, &filter.parent_id],
        )
        .await?;
        Ok(RunPage { items, next_cursor, total_count: sql::uint(get(&total, 0)?) })
    }

    async fn events(&self, run_id: &str, after: u64, limit: u32) -> Result<Vec<RunEvent>, StorageError> {
        self.flush_records().await?;
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            "SELECT seq, name, data, at FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&run_id, &sql::int(after), &i64::from(limit)],
        )
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RunEvent {
                    run_id: run_id.to_owned(),
                    seq: sql::uint(get(row, 0)?),
                    name: get(row, 1)?,
                    data: from_json(get(row, 2)?, "an event's data")?,
                    at: get(row, 3)?,
                })
            })
            .collect()
    }

    async fn request_stop(&self, user_id: &str, id: &str) -> Result<StopOutcome, StorageError> {
        self.flush_records().await?;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Locked: a claim skips the run, a start waits.
        let row =
            sql::query_opt(&tx, "SELECT status FROM runs WHERE id = $1 AND user_id = $2 FOR UPDATE", &[&id, &user_id])
                .await?;
        let status: Option<String> = row.map(|row| get(&row, 0)).transpose()?;
        let outcome = match status.as_deref().and_then(RunStatus::parse) {
            None => StopOutcome::NotFound,
            Some(RunStatus::Queued) => {
                sql::execute(
                    &tx,
                    "UPDATE runs SET status = 'stopped', finished_at = $2, error = 'stopped before it started'
                     WHERE id = $1",
                    &[&id, &now_millis()],
                )
                .await?;
                StopOutcome::Stopped
            }
            Some(RunStatus::Running) => {
                sql::execute(&tx, "UPDATE runs SET stop_requested = TRUE WHERE id = $1", &[&id]).await?;
                StopOutcome::Requested
            }
            Some(over) => StopOutcome::AlreadyOver(over),
        };
        tx.commit().await?;
        Ok(outcome)
    }
}
