//! Schedules, and the compare-and-set on their next fire time that makes each
//! fire happen once across processes.

use tokio_postgres::Row;

use super::sql::{self, from_json, get};
use super::{PostgresStorage, runs};
use crate::domain::{MissedFires, Schedule, ScheduleTarget};
use crate::storage::{FireClaim, FireResult, ScheduleStore, StorageError};

/// The columns [`schedule_row`] reads, in its order.
macro_rules! schedule_columns {
    () => {
        "id, user_id, name, target_kind, target_id, input, cron, timezone, missed, next_fire_at, created_at, \
         last_fired_at, last_run_id, last_error, target_version"
    };
}

/// A stored graph version number read back.
fn version(stored: Option<i64>) -> Result<Option<u32>, StorageError> {
    stored
        .map(|value| {
            u32::try_from(value).map_err(|_| StorageError::corrupt(format!("a target version {value} is out of range")))
        })
        .transpose()
}

fn schedule_row(row: &Row) -> Result<Schedule, StorageError> {
    let kind: String = get(row, 3)?;
    let missed: String = get(row, 8)?;
    Ok(Schedule {
        id: get(row, 0)?,
        user_id: get(row, 1)?,
        name: get(row, 2)?,
        target: ScheduleTarget::from_parts(&kind, get(row, 4)?, version(get(row, 14)?)?)
            .ok_or_else(|| StorageError::corrupt(format!("unknown schedule target kind `{kind}`")))?,
        input: from_json(get(row, 5)?, "a schedule's input")?,
        cron: get(row, 6)?,
        timezone: get(row, 7)?,
        missed: MissedFires::parse(&missed)
            .ok_or_else(|| StorageError::corrupt(format!("unknown missed-fire policy `{missed}`")))?,
        next_fire_at: get(row, 9)?,
        created_at: get(row, 10)?,
        last_fired_at: get(row, 11)?,
        last_run_id: get(row, 12)?,
        last_error: get(row, 13)?,
    })
}

#[async_trait::async_trait]
impl ScheduleStore for PostgresStorage {
    async fn create_schedule(&self, schedule: Schedule) -> Result<(), StorageError> {
        let client = self.client().await?;
        sql::execute(
            &client,
            "INSERT INTO schedules (id, user_id, name, target_kind, target_id, input, cron, timezone, missed,
                                    next_fire_at, created_at, last_fired_at, last_run_id, last_error, target_version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            &[
                &schedule.id,
                &schedule.user_id,
                &schedule.name,
                &schedule.target.kind(),
                &schedule.target.id(),
                &schedule.input.to_string(),
                &schedule.cron,
                &schedule.timezone,
                &schedule.missed.as_str(),
                &schedule.next_fire_at,
                &schedule.created_at,
                &schedule.last_fired_at,
                &schedule.last_run_id,
                &schedule.last_error,
                &schedule.target.version().map(i64::from),
            ],
        )
        .await
        .map(drop)
    }

    async fn schedules(&self, user_id: &str) -> Result<Vec<Schedule>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            concat!("SELECT ", schedule_columns!(), " FROM schedules WHERE user_id = $1 ORDER BY created_at, id"),
            &[&user_id],
        )
        .await?;
        rows.iter().map(schedule_row).collect()
    }

    async fn schedule(&self, user_id: &str, id: &str) -> Result<Option<Schedule>, StorageError> {
        let client = self.client().await?;
        let row = sql::query_opt(
            &client,
            concat!("SELECT ", schedule_columns!(), " FROM schedules WHERE id = $1 AND user_id = $2"),
            &[&id, &user_id],
        )
        .await?;
        row.as_ref().map(schedule_row).transpose()
    }

    async fn delete_schedule(&self, user_id: &str, id: &str) -> Result<bool, StorageError> {
        let client = self.client().await?;
        Ok(sql::execute(&client, "DELETE FROM schedules WHERE id = $1 AND user_id = $2", &[&id, &user_id]).await? == 1)
    }

    async fn due_schedules(&self, now: i64, limit: u32) -> Result<Vec<Schedule>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            concat!(
                "SELECT ",
                schedule_columns!(),
                " FROM schedules WHERE next_fire_at IS NOT NULL AND next_fire_at <= $1 ORDER BY next_fire_at, id LIMIT $2"
            ),
            &[&now, &i64::from(limit)],
        )
        .await?;
        rows.iter().map(schedule_row).collect()
    }

    async fn earliest_fire(&self) -> Result<Option<i64>, StorageError> {
        let client = self.client().await?;
        let row =
            sql::query_one(&client, "SELECT min(next_fire_at) FROM schedules WHERE next_fire_at IS NOT NULL", &[])
                .await?;
        get(&row, 0)
    }

    async fn claim_fire(&self, claim: FireClaim) -> Result<bool, StorageError> {
        // The compare-and-set: a concurrent update of the row waits for the
        // first one's commit, then finds `next_fire_at` moved on and matches
        // nothing. The fire's run is queued in the same transaction.
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let changed = sql::execute(
            &tx,
            "UPDATE schedules SET next_fire_at = $3, last_fired_at = coalesce($4, last_fired_at)
             WHERE id = $1 AND next_fire_at = $2",
            &[&claim.id, &claim.due, &claim.next, &claim.fired_at],
        )
        .await?;
        if changed != 1 {
            return Ok(false);
        }
        match &claim.result {
            FireResult::Skipped => {}
            FireResult::Queued(run) => {
                runs::insert_queued(&tx, std::slice::from_ref(run.as_ref())).await?;
                sql::execute(
                    &tx,
                    "UPDATE schedules SET last_run_id = $2, last_error = NULL WHERE id = $1",
                    &[&claim.id, &run.id],
                )
                .await?;
            }
            FireResult::Failed(error) => {
                sql::execute(&tx, "UPDATE schedules SET last_error = $2 WHERE id = $1", &[&claim.id, error]).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}
