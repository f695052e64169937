//! Polling trigger subscriptions: the claim on their next poll time, and each
//! poll's runs and cursor committed together.

use rusqlite::{Connection, Row, TransactionBehavior, params};

use super::{Cached, SqliteStorage, corrupt};
use crate::domain::PollSubscription;
use crate::storage::{PollOutcome, PollStore, StorageError};

/// The columns [`poll_row`] reads, in its order.
macro_rules! poll_columns {
    () => {
        "id, user_id, block_id, input, every_secs, cursor, next_poll_at, created_at, last_polled_at, last_error, \
         runs_queued"
    };
}

fn poll_row(row: &Row<'_>) -> rusqlite::Result<PollSubscription> {
    let input: String = row.get(3)?;
    let cursor: Option<String> = row.get(5)?;
    let every: i64 = row.get(4)?;
    let queued: i64 = row.get(10)?;
    Ok(PollSubscription {
        id: row.get(0)?,
        user_id: row.get(1)?,
        block_id: row.get(2)?,
        input: serde_json::from_str(&input)
            .map_err(|error| corrupt(3, format!("a poll's input is not JSON: {error}")))?,
        every_secs: u64::try_from(every).map_err(|_| corrupt(4, "a poll's interval is negative".into()))?,
        cursor: cursor
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|error| corrupt(5, format!("a poll's cursor is not JSON: {error}")))?,
        next_poll_at: row.get(6)?,
        created_at: row.get(7)?,
        last_polled_at: row.get(8)?,
        last_error: row.get(9)?,
        runs_queued: u64::try_from(queued).unwrap_or(0),
    })
}

fn insert(conn: &Connection, poll: &PollSubscription) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT INTO poll_subscriptions (id, user_id, block_id, input, every_secs, cursor, next_poll_at, created_at,
                                         last_polled_at, last_error, runs_queued)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            poll.id,
            poll.user_id,
            poll.block_id,
            poll.input.to_string(),
            i64::try_from(poll.every_secs).unwrap_or(i64::MAX),
            poll.cursor.as_ref().map(ToString::to_string),
            poll.next_poll_at,
            poll.created_at,
            poll.last_polled_at,
            poll.last_error,
            i64::try_from(poll.runs_queued).unwrap_or(i64::MAX),
        ],
    )?;
    Ok(())
}

fn select(conn: &Connection, filter: &str, params: impl rusqlite::Params) -> rusqlite::Result<Vec<PollSubscription>> {
    let sql = format!("SELECT {} FROM poll_subscriptions {filter}", poll_columns!());
    let mut statement = conn.prepare_cached(&sql)?;
    statement.query_map(params, poll_row)?.collect()
}

fn finish(conn: &mut Connection, id: &str, lease_until: i64, outcome: &PollOutcome) -> rusqlite::Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let changed = tx.execute_cached(
        "UPDATE poll_subscriptions
         SET cursor = coalesce(?3, cursor), next_poll_at = ?4, last_polled_at = ?5, last_error = ?6,
             runs_queued = runs_queued + ?7
         WHERE id = ?1 AND next_poll_at = ?2",
        params![
            id,
            lease_until,
            outcome.cursor.as_ref().map(ToString::to_string),
            outcome.next_poll_at,
            outcome.polled_at,
            outcome.error,
            i64::try_from(outcome.runs.len()).unwrap_or(i64::MAX),
        ],
    )?;
    if changed != 1 {
        return Ok(false);
    }
    for run in &outcome.runs {
        super::runs::insert_queued(&tx, run)?;
    }
    tx.commit()?;
    Ok(true)
}

#[async_trait::async_trait]
impl PollStore for SqliteStorage {
    async fn create_poll(&self, poll: PollSubscription) -> Result<(), StorageError> {
        self.write(move |conn| insert(conn, &poll)).await
    }

    async fn polls(&self, user_id: &str) -> Result<Vec<PollSubscription>, StorageError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| select(conn, "WHERE user_id = ?1 ORDER BY created_at, id", [user_id])).await
    }

    async fn delete_poll(&self, user_id: &str, id: &str) -> Result<bool, StorageError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| {
            conn.execute_cached("DELETE FROM poll_subscriptions WHERE id = ?1 AND user_id = ?2", [&id, &user_id])
                .map(|deleted| deleted == 1)
        })
        .await
    }

    async fn due_polls(&self, now: i64, limit: u32) -> Result<Vec<PollSubscription>, StorageError> {
        self.read(move |conn| {
            select(conn, "WHERE next_poll_at <= ?1 ORDER BY next_poll_at, id LIMIT ?2", params![now, limit])
        })
        .await
    }

    async fn claim_poll(&self, id: &str, due: i64, lease_until: i64) -> Result<bool, StorageError> {
        let id = id.to_owned();
        self.write(move |conn| {
            conn.execute_cached(
                "UPDATE poll_subscriptions SET next_poll_at = ?3 WHERE id = ?1 AND next_poll_at = ?2",
                params![id, due, lease_until],
            )
            .map(|changed| changed == 1)
        })
        .await
    }

    async fn finish_poll(&self, id: &str, lease_until: i64, outcome: PollOutcome) -> Result<bool, StorageError> {
        let id = id.to_owned();
        self.write(move |conn| finish(conn, &id, lease_until, &outcome)).await
    }
}
