//! Idempotency keys, callback secrets and completion callbacks.

use tokio_postgres::Row;

use super::PostgresStorage;
use super::sql::{self, from_json, get};
use crate::storage::{
    AttemptOutcome, Callback, CallbackAttempt, CallbackStore, IdempotencyStore, Idempotent, StorageError, StoredAnswer,
};

/// The columns [`callback_row`] reads, in its order.
macro_rules! callback_columns {
    () => {
        "run_id, user_id, url, created_at, next_attempt_at, delivered_at, gave_up_at, attempts"
    };
}

fn callback_row(row: &Row) -> Result<Callback, StorageError> {
    Ok(Callback {
        run_id: get(row, 0)?,
        user_id: get(row, 1)?,
        url: get(row, 2)?,
        created_at: get(row, 3)?,
        next_attempt_at: get(row, 4)?,
        delivered_at: get(row, 5)?,
        gave_up_at: get(row, 6)?,
        attempts: from_json::<Vec<CallbackAttempt>>(get(row, 7)?, "a callback's attempts")?,
    })
}

#[async_trait::async_trait]
impl IdempotencyStore for PostgresStorage {
    async fn begin_idempotent(
        &self,
        user_id: &str,
        key: &str,
        hash: &[u8; 32],
        now: i64,
        expired_before: i64,
    ) -> Result<Idempotent, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        sql::execute(
            &tx,
            "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND created_at < $3",
            &[&user_id, &key, &expired_before],
        )
        .await?;
        // Of two requests holding the same new key at once, one inserts; the
        // other waits for its commit and then reads what it holds.
        let inserted = sql::execute(
            &tx,
            "INSERT INTO idempotency_keys (user_id, key, request_hash, state, created_at)
             VALUES ($1, $2, $3, 'in_progress', $4) ON CONFLICT (user_id, key) DO NOTHING",
            &[&user_id, &key, &&hash[..], &now],
        )
        .await?;
        let outcome = if inserted == 1 {
            Idempotent::New
        } else {
            let row = sql::query_one(
                &tx,
                "SELECT request_hash, state, status, content_type, body, run_id FROM idempotency_keys
                 WHERE user_id = $1 AND key = $2",
                &[&user_id, &key],
            )
            .await?;
            let stored: Vec<u8> = get(&row, 0)?;
            let state: String = get(&row, 1)?;
            if stored != hash[..] {
                Idempotent::Mismatch
            } else if state == "in_progress" {
                Idempotent::InProgress
            } else {
                let status: Option<i64> = get(&row, 2)?;
                Idempotent::Done(StoredAnswer {
                    status: status.and_then(|status| u16::try_from(status).ok()).unwrap_or(200),
                    content_type: get(&row, 3)?,
                    body: get(&row, 4)?,
                    run_id: get(&row, 5)?,
                })
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn finish_idempotent(&self, user_id: &str, key: &str, answer: StoredAnswer) -> Result<(), StorageError> {
        let client = self.client().await?;
        sql::execute(
            &client,
            "UPDATE idempotency_keys SET state = 'done', status = $3, content_type = $4, body = $5, run_id = $6
             WHERE user_id = $1 AND key = $2",
            &[&user_id, &key, &i64::from(answer.status), &answer.content_type, &answer.body, &answer.run_id],
        )
        .await
        .map(drop)
    }

    async fn abandon_idempotent(&self, user_id: &str, key: &str) -> Result<(), StorageError> {
        let client = self.client().await?;
        sql::execute(
            &client,
            "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'in_progress'",
            &[&user_id, &key],
        )
        .await
        .map(drop)
    }
}

#[async_trait::async_trait]
impl CallbackStore for PostgresStorage {
    async fn put_callback_secret(&self, user_id: &str, sealed: Vec<u8>) -> Result<(), StorageError> {
        let client = self.client().await?;
        sql::execute(
            &client,
            "INSERT INTO callback_secrets (user_id, sealed, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET sealed = excluded.sealed, created_at = excluded.created_at",
            &[&user_id, &sealed, &crate::domain::now_millis()],
        )
        .await
        .map(drop)
    }

    async fn callback_secret(&self, user_id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let client = self.client().await?;
        let row =
            sql::query_opt(&client, "SELECT sealed FROM callback_secrets WHERE user_id = $1", &[&user_id]).await?;
        row.map(|row| get(&row, 0)).transpose()
    }

    async fn schedule_callback(&self, callback: Callback) -> Result<(), StorageError> {
        let client = self.client().await?;
        sql::execute(
            &client,
            "INSERT INTO run_callbacks (run_id, user_id, url, created_at, next_attempt_at, attempts)
             VALUES ($1, $2, $3, $4, $5, '[]') ON CONFLICT (run_id) DO NOTHING",
            &[&callback.run_id, &callback.user_id, &callback.url, &callback.created_at, &callback.next_attempt_at],
        )
        .await
        .map(drop)
    }

    async fn claim_callbacks(&self, now: i64, hold_until: i64, limit: u32) -> Result<Vec<Callback>, StorageError> {
        let client = self.client().await?;
        // Rows another process is claiming are skipped, not waited for.
        let rows = sql::query(
            &client,
            concat!(
                "UPDATE run_callbacks SET next_attempt_at = $2
                 WHERE run_id IN (SELECT run_id FROM run_callbacks WHERE next_attempt_at IS NOT NULL
                                      AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $3
                                      FOR UPDATE SKIP LOCKED)
                 RETURNING ",
                callback_columns!()
            ),
            &[&now, &hold_until, &i64::from(limit)],
        )
        .await?;
        rows.iter().map(callback_row).collect()
    }

    async fn record_attempt(&self, run_id: &str, outcome: AttemptOutcome) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row =
            sql::query_opt(&tx, "SELECT attempts FROM run_callbacks WHERE run_id = $1 FOR UPDATE", &[&run_id]).await?;
        let Some(row) = row else { return Ok(()) };
        let mut attempts: Vec<CallbackAttempt> = from_json(get(&row, 0)?, "a callback's attempts")?;
        attempts.push(outcome.attempt.clone());
        let at = outcome.attempt.at;
        let (delivered_at, gave_up_at) = match (outcome.delivered, outcome.next_attempt_at) {
            (true, _) => (Some(at), None),
            (false, None) => (None, Some(at)),
            (false, Some(_)) => (None, None),
        };
        sql::execute(
            &tx,
            "UPDATE run_callbacks SET attempts = $2, next_attempt_at = $3, delivered_at = $4, gave_up_at = $5
             WHERE run_id = $1",
            &[
                &run_id,
                &sql::json_text(&attempts),
                &if outcome.delivered { None } else { outcome.next_attempt_at },
                &delivered_at,
                &gave_up_at,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn callback(&self, run_id: &str) -> Result<Option<Callback>, StorageError> {
        let client = self.client().await?;
        let row = sql::query_opt(
            &client,
            concat!("SELECT ", callback_columns!(), " FROM run_callbacks WHERE run_id = $1"),
            &[&run_id],
        )
        .await?;
        row.as_ref().map(callback_row).transpose()
    }
}
