//! Idempotency keys, callback secrets and completion callbacks.

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::{Cached, SqliteStorage, corrupt};
use crate::storage::{
    AttemptOutcome, Callback, CallbackAttempt, CallbackStore, IdempotencyStore, Idempotent, StorageError, StoredAnswer,
};

fn begin_idempotent(
    conn: &mut Connection,
    user_id: &str,
    key: &str,
    hash: &[u8; 32],
    now: i64,
    expired_before: i64,
) -> rusqlite::Result<Idempotent> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_cached(
        "DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND created_at < ?3",
        params![user_id, key, expired_before],
    )?;
    let found = tx
        .query_row_cached(
            "SELECT request_hash, state, status, content_type, body, run_id FROM idempotency_keys
             WHERE user_id = ?1 AND key = ?2",
            params![user_id, key],
            |row| {
                let stored: Vec<u8> = row.get(0)?;
                let state: String = row.get(1)?;
                let status: Option<i64> = row.get(2)?;
                Ok((
                    stored,
                    state,
                    status,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<Vec<u8>>>(4)?,
                    row.get(5)?,
                ))
            },
        )
        .optional()?;
    let outcome = match found {
        None => {
            tx.execute_cached(
                "INSERT INTO idempotency_keys (user_id, key, request_hash, state, created_at)
                 VALUES (?1, ?2, ?3, 'in_progress', ?4)",
                params![user_id, key, &hash[..], now],
            )?;
            Idempotent::New
        }
        Some((stored, _, _, _, _, _)) if stored != hash[..] => Idempotent::Mismatch,
        Some((_, state, _, _, _, _)) if state == "in_progress" => Idempotent::InProgress,
        Some((_, _, status, content_type, body, run_id)) => Idempotent::Done(StoredAnswer {
            status: status.and_then(|status| u16::try_from(status).ok()).unwrap_or(200),
            content_type,
            body,
            run_id,
        }),
    };
    tx.commit()?;
    Ok(outcome)
}

/// The columns [`callback_row`] reads, in its order.
macro_rules! callback_columns {
    () => {
        "run_id, user_id, url, created_at, next_attempt_at, delivered_at, gave_up_at, attempts"
    };
}

fn callback_row(row: &Row<'_>) -> rusqlite::Result<Callback> {
    let attempts: String = row.get(7)?;
    Ok(Callback {
        run_id: row.get(0)?,
        user_id: row.get(1)?,
        url: row.get(2)?,
        created_at: row.get(3)?,
        next_attempt_at: row.get(4)?,
        delivered_at: row.get(5)?,
        gave_up_at: row.get(6)?,
        attempts: serde_json::from_str::<Vec<CallbackAttempt>>(&attempts)
            .map_err(|error| corrupt(7, error.to_string()))?,
    })
}

fn claim_callbacks(conn: &mut Connection, now: i64, hold_until: i64, limit: u32) -> rusqlite::Result<Vec<Callback>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let claimed = tx
        .prepare_cached(
            "UPDATE run_callbacks SET next_attempt_at = ?2
             WHERE run_id IN (SELECT run_id FROM run_callbacks WHERE next_attempt_at IS NOT NULL
                                  AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?3)
             RETURNING run_id, user_id, url, created_at, next_attempt_at, delivered_at, gave_up_at, attempts",
        )?
        .query_map(params![now, hold_until, limit], callback_row)?
        .collect::<rusqlite::Result<_>>()?;
    tx.commit()?;
    Ok(claimed)
}

fn record_attempt(conn: &mut Connection, run_id: &str, outcome: &AttemptOutcome) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let attempts: Option<String> = tx
        .query_row_cached("SELECT attempts FROM run_callbacks WHERE run_id = ?1", [run_id], |row| row.get(0))
        .optional()?;
    let Some(attempts) = attempts else { return Ok(()) };
    let mut attempts: Vec<CallbackAttempt> =
        serde_json::from_str(&attempts).map_err(|error| corrupt(0, error.to_string()))?;
    attempts.push(outcome.attempt.clone());
    let at = outcome.attempt.at;
    let (delivered_at, gave_up_at) = match (outcome.delivered, outcome.next_attempt_at) {
        (true, _) => (Some(at), None),
        (false, None) => (None, Some(at)),
        (false, Some(_)) => (None, None),
    };
    tx.execute_cached(
        "UPDATE run_callbacks SET attempts = ?2, next_attempt_at = ?3, delivered_at = ?4, gave_up_at = ?5
         WHERE run_id = ?1",
        params![
            run_id,
            serde_json::to_string(&attempts).unwrap_or_else(|_| "[]".to_owned()),
            if outcome.delivered { None } else { outcome.next_attempt_at },
            delivered_at,
            gave_up_at
        ],
    )?;
    tx.commit()
}

#[async_trait::async_trait]
impl IdempotencyStore for SqliteStorage {
    async fn begin_idempotent(
        &self,
        user_id: &str,
        key: &str,
        hash: &[u8; 32],
        now: i64,
        expired_before: i64,
    ) -> Result<Idempotent, StorageError> {
        let (user_id, key, hash) = (user_id.to_owned(), key.to_owned(), *hash);
        self.write(move |conn| begin_idempotent(conn, &user_id, &key, &hash, now, expired_before)).await
    }

    async fn finish_idempotent(&self, user_id: &str, key: &str, answer: StoredAnswer) -> Result<(), StorageError> {
        let (user_id, key) = (user_id.to_owned(), key.to_owned());
        self.write(move |conn| {
            conn.execute_cached(
                "UPDATE idempotency_keys SET state = 'done', status = ?3, content_type = ?4, body = ?5, run_id = ?6
                 WHERE user_id = ?1 AND key = ?2",
                params![user_id, key, answer.status, answer.content_type, answer.body, answer.run_id],
            )
            .map(drop)
        })
        .await
    }

    async fn abandon_idempotent(&self, user_id: &str, key: &str) -> Result<(), StorageError> {
        let (user_id, key) = (user_id.to_owned(), key.to_owned());
        self.write(move |conn| {
            conn.execute_cached(
                "DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND state = 'in_progress'",
                params![user_id, key],
            )
            .map(drop)
        })
        .await
    }
}

#[async_trait::async_trait]
impl CallbackStore for SqliteStorage {
    async fn put_callback_secret(&self, user_id: &str, sealed: Vec<u8>) -> Result<(), StorageError> {
        let user_id = user_id.to_owned();
        let now = crate::domain::now_millis();
        self.write(move |conn| {
            conn.execute_cached(
                "INSERT INTO callback_secrets (user_id, sealed, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id) DO UPDATE SET sealed = excluded.sealed, created_at = excluded.created_at",
                params![user_id, sealed, now],
            )
            .map(drop)
        })
        .await
    }

    async fn callback_secret(&self, user_id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            conn.query_row_cached("SELECT sealed FROM callback_secrets WHERE user_id = ?1", [user_id], |row| row.get(0))
                .optional()
        })
        .await
    }

    async fn schedule_callback(&self, callback: Callback) -> Result<(), StorageError> {
        self.write(move |conn| {
            conn.execute_cached(
                "INSERT OR IGNORE INTO run_callbacks (run_id, user_id, url, created_at, next_attempt_at, attempts)
                 VALUES (?1, ?2, ?3, ?4, ?5, '[]')",
                params![callback.run_id, callback.user_id, callback.url, callback.created_at, callback.next_attempt_at],
            )
            .map(drop)
        })
        .await
    }

    async fn claim_callbacks(&self, now: i64, hold_until: i64, limit: u32) -> Result<Vec<Callback>, StorageError> {
        self.write(move |conn| claim_callbacks(conn, now, hold_until, limit)).await
    }

    async fn record_attempt(&self, run_id: &str, outcome: AttemptOutcome) -> Result<(), StorageError> {
        let run_id = run_id.to_owned();
        self.write(move |conn| record_attempt(conn, &run_id, &outcome)).await
    }

    async fn callback(&self, run_id: &str) -> Result<Option<Callback>, StorageError> {
        let run_id = run_id.to_owned();
        self.read(move |conn| {
            conn.query_row_cached(
                concat!("SELECT ", callback_columns!(), " FROM run_callbacks WHERE run_id = ?1"),
                [run_id],
                callback_row,
            )
            .optional()
        })
        .await
    }
}
