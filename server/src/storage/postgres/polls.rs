//! Polling trigger subscriptions: the claim on their next poll time, and each
//! poll's runs and cursor committed together.

use tokio_postgres::Row;

use super::PostgresStorage;
use super::runs::insert_queued;
use super::sql::{self, from_json, get};
use crate::domain::PollSubscription;
use crate::storage::{PollOutcome, PollStore, StorageError};

/// The columns [`poll_row`] reads, in its order.
macro_rules! poll_columns {
    () => {
        "id, user_id, block_id, input, every_secs, cursor, next_poll_at, created_at, last_polled_at, last_error, \
         runs_queued"
    };
}

fn poll_row(row: &Row) -> Result<PollSubscription, StorageError> {
    let every: i64 = get(row, 4)?;
    let cursor: Option<&str> = get(row, 5)?;
    Ok(PollSubscription {
        id: get(row, 0)?,
        user_id: get(row, 1)?,
        block_id: get(row, 2)?,
        input: from_json(get(row, 3)?, "a poll's input")?,
        every_secs: u64::try_from(every).map_err(|_| StorageError::corrupt("a poll's interval is negative"))?,
        cursor: cursor.map(|text| from_json(text, "a poll's cursor")).transpose()?,
        next_poll_at: get(row, 6)?,
        created_at: get(row, 7)?,
        last_polled_at: get(row, 8)?,
        last_error: get(row, 9)?,
        runs_queued: sql::uint(get(row, 10)?),
    })
}

#[async_trait::async_trait]
impl PollStore for PostgresStorage {
    async fn create_poll(&self, poll: PollSubscription) -> Result<(), StorageError> {
        let client = self.client().await?;
        sql::execute(
            &client,
            "INSERT INTO poll_subscriptions (id, user_id, block_id, input, every_secs, cursor, next_poll_at, created_at,
                                             last_polled_at, last_error, runs_queued)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &poll.id,
                &poll.user_id,
                &poll.block_id,
                &poll.input.to_string(),
                &sql::int(poll.every_secs),
                &poll.cursor.as_ref().map(ToString::to_string),
                &poll.next_poll_at,
                &poll.created_at,
                &poll.last_polled_at,
                &poll.last_error,
                &sql::int(poll.runs_queued),
            ],
        )
        .await
        .map(drop)
    }

    async fn polls(&self, user_id: &str) -> Result<Vec<PollSubscription>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            concat!("SELECT ", poll_columns!(), " FROM poll_subscriptions WHERE user_id = $1 ORDER BY created_at, id"),
            &[&user_id],
        )
        .await?;
        rows.iter().map(poll_row).collect()
    }

    async fn delete_poll(&self, user_id: &str, id: &str) -> Result<bool, StorageError> {
        let client = self.client().await?;
        Ok(sql::execute(&client, "DELETE FROM poll_subscriptions WHERE id = $1 AND user_id = $2", &[&id, &user_id])
            .await?
            == 1)
    }

    async fn due_polls(&self, now: i64, limit: u32) -> Result<Vec<PollSubscription>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            concat!(
                "SELECT ",
                poll_columns!(),
                " FROM poll_subscriptions WHERE next_poll_at <= $1 ORDER BY next_poll_at, id LIMIT $2"
            ),
            &[&now, &i64::from(limit)],
        )
        .await?;
        rows.iter().map(poll_row).collect()
    }

    async fn claim_poll(&self, id: &str, due: i64, lease_until: i64) -> Result<bool, StorageError> {
        let client = self.client().await?;
        let changed = sql::execute(
            &client,
            "UPDATE poll_subscriptions SET next_poll_at = $3 WHERE id = $1 AND next_poll_at = $2",
            &[&id, &due, &lease_until],
        )
        .await?;
        Ok(changed == 1)
    }

    async fn finish_poll(&self, id: &str, lease_until: i64, outcome: PollOutcome) -> Result<bool, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let changed = sql::execute(
            &tx,
            "UPDATE poll_subscriptions
             SET cursor = coalesce($3, cursor), next_poll_at = $4, last_polled_at = $5, last_error = $6,
                 runs_queued = runs_queued + $7
             WHERE id = $1 AND next_poll_at = $2",
            &[
                &id,
                &lease_until,
                &outcome.cursor.as_ref().map(ToString::to_string),
                &outcome.next_poll_at,
                &outcome.polled_at,
                &outcome.error,
                &i64::try_from(outcome.runs.len()).unwrap_or(i64::MAX),
            ],
        )
        .await?;
        if changed != 1 {
            return Ok(false);
        }
        insert_queued(&tx, &outcome.runs).await?;
        tx.commit().await?;
        Ok(true)
    }
}
