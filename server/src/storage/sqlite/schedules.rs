//! Schedules, and the compare-and-set on their next fire time.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Cached, SqliteStorage, corrupt};
use crate::domain::{MissedFires, Schedule, ScheduleTarget};
use crate::storage::{FireClaim, FireResult, ScheduleStore, StorageError};

/// The columns [`schedule_row`] reads, in its order.
macro_rules! schedule_columns {
    () => {
        "id, user_id, name, target_kind, target_id, input, cron, timezone, missed, next_fire_at, created_at, \
         last_fired_at, last_run_id, last_error, target_version"
    };
}

fn schedule_row(row: &Row<'_>) -> rusqlite::Result<Schedule> {
    let kind: String = row.get(3)?;
    let input: String = row.get(5)?;
    let missed: String = row.get(8)?;
    Ok(Schedule {
        id: row.get(0)?,
        user_id: row.get(1)?,
        name: row.get(2)?,
        target: ScheduleTarget::from_parts(&kind, row.get(4)?, row.get(14)?)
            .ok_or_else(|| corrupt(3, format!("unknown schedule target kind `{kind}`")))?,
        input: serde_json::from_str(&input)
            .map_err(|error| corrupt(5, format!("a schedule's input is not JSON: {error}")))?,
        cron: row.get(6)?,
        timezone: row.get(7)?,
        missed: MissedFires::parse(&missed)
            .ok_or_else(|| corrupt(8, format!("unknown missed-fire policy `{missed}`")))?,
        next_fire_at: row.get(9)?,
        created_at: row.get(10)?,
        last_fired_at: row.get(11)?,
        last_run_id: row.get(12)?,
        last_error: row.get(13)?,
    })
}

fn insert(conn: &Connection, schedule: &Schedule) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT INTO schedules (id, user_id, name, target_kind, target_id, input, cron, timezone, missed, next_fire_at,
                                created_at, last_fired_at, last_run_id, last_error, target_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            schedule.id,
            schedule.user_id,
            schedule.name,
            schedule.target.kind(),
            schedule.target.id(),
            schedule.input.to_string(),
            schedule.cron,
            schedule.timezone,
            schedule.missed.as_str(),
            schedule.next_fire_at,
            schedule.created_at,
            schedule.last_fired_at,
            schedule.last_run_id,
            schedule.last_error,
            schedule.target.version(),
        ],
    )?;
    Ok(())
}

fn schedules_of(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<Schedule>> {
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        schedule_columns!(),
        " FROM schedules WHERE user_id = ?1 ORDER BY created_at, id"
    ))?;
    statement.query_map([user_id], schedule_row)?.collect()
}

fn schedule(conn: &Connection, user_id: &str, id: &str) -> rusqlite::Result<Option<Schedule>> {
    conn.query_row_cached(
        concat!("SELECT ", schedule_columns!(), " FROM schedules WHERE id = ?1 AND user_id = ?2"),
        [id, user_id],
        schedule_row,
    )
    .optional()
}

fn due(conn: &Connection, now: i64, limit: u32) -> rusqlite::Result<Vec<Schedule>> {
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        schedule_columns!(),
        " FROM schedules WHERE next_fire_at IS NOT NULL AND next_fire_at <= ?1 ORDER BY next_fire_at, id LIMIT ?2"
    ))?;
    statement.query_map(params![now, limit], schedule_row)?.collect()
}

fn claim(conn: &Connection, claim: &FireClaim) -> rusqlite::Result<bool> {
    // The compare-and-set: of several schedulers that read the same due fire,
    // the first update moves `next_fire_at` on and every later one matches no
    // row. A single statement, so no transaction is needed around it.
    let changed = conn.execute_cached(
        "UPDATE schedules SET next_fire_at = ?3, last_fired_at = coalesce(?4, last_fired_at)
         WHERE id = ?1 AND next_fire_at = ?2",
        params![claim.id, claim.due, claim.next, claim.fired_at],
    )?;
    Ok(changed == 1)
}

fn record(conn: &Connection, id: &str, result: &FireResult) -> rusqlite::Result<()> {
    match result {
        FireResult::Queued(run_id) => conn.execute_cached(
            "UPDATE schedules SET last_run_id = ?2, last_error = NULL WHERE id = ?1",
            params![id, run_id],
        )?,
        FireResult::Failed(error) => {
            conn.execute_cached("UPDATE schedules SET last_error = ?2 WHERE id = ?1", params![id, error])?
        }
    };
    Ok(())
}

#[async_trait::async_trait]
impl ScheduleStore for SqliteStorage {
    async fn create_schedule(&self, schedule: Schedule) -> Result<(), StorageError> {
        self.write(move |conn| insert(conn, &schedule)).await
    }

    async fn schedules(&self, user_id: &str) -> Result<Vec<Schedule>, StorageError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| schedules_of(conn, &user_id)).await
    }

    async fn schedule(&self, user_id: &str, id: &str) -> Result<Option<Schedule>, StorageError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.read(move |conn| schedule(conn, &user_id, &id)).await
    }

    async fn delete_schedule(&self, user_id: &str, id: &str) -> Result<bool, StorageError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| {
            conn.execute_cached("DELETE FROM schedules WHERE id = ?1 AND user_id = ?2", [&id, &user_id])
                .map(|deleted| deleted == 1)
        })
        .await
    }

    async fn due_schedules(&self, now: i64, limit: u32) -> Result<Vec<Schedule>, StorageError> {
        self.read(move |conn| due(conn, now, limit)).await
    }

    async fn earliest_fire(&self) -> Result<Option<i64>, StorageError> {
        self.read(|conn| {
            conn.query_row_cached("SELECT min(next_fire_at) FROM schedules WHERE next_fire_at IS NOT NULL", [], |row| {
                row.get(0)
            })
        })
        .await
    }

    async fn claim_fire(&self, fire: FireClaim) -> Result<bool, StorageError> {
        self.write(move |conn| claim(conn, &fire)).await
    }

    async fn record_fire(&self, id: &str, result: FireResult) -> Result<(), StorageError> {
        let id = id.to_owned();
        self.write(move |conn| record(conn, &id, &result)).await
    }
}
