//! Execution records.

use rusqlite::{Connection, Row, params};

use super::corrupt;
use crate::storage::{ExecutionRecord, ExecutionSource, ExecutionStatus};

pub(super) fn record(conn: &Connection, record: &ExecutionRecord) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO executions (id, user_id, block_id, source, status, charged, pins, error, started_at, finished_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, charged = excluded.charged,
             pins = excluded.pins, error = excluded.error, finished_at = excluded.finished_at",
        params![
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
        ],
    )?;
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
            other => return Err(corrupt(4, format!("unknown execution status `{other}`"))),
        },
        charged: u64::try_from(charged).unwrap_or(0),
        pins: pins.and_then(|text| serde_json::from_str(&text).ok()),
        error: row.get(7)?,
        started_at: row.get(8)?,
        finished_at: row.get(9)?,
    })
}

pub(super) fn list(conn: &Connection, user_id: &str, limit: u32) -> rusqlite::Result<Vec<ExecutionRecord>> {
    let mut statement = conn.prepare(
        "SELECT id, user_id, block_id, source, status, charged, pins, error, started_at, finished_at
         FROM executions WHERE user_id = ?1 ORDER BY started_at DESC, rowid DESC LIMIT ?2",
    )?;
    statement.query_map(params![user_id, limit], execution_row)?.collect()
}
