//! Users and API keys.

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::{Cached, SqliteStorage, corrupt};
use crate::domain::{ApiKeyRecord, KeyStatus, NewApiKey, Scope, User, now_unix};
use crate::storage::{AccountStore, KeyChanges, StorageError};

fn create_user(conn: &mut Connection, user: &User, starting_credits: u64) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = now_unix();
    tx.execute_cached(
        "INSERT INTO users (id, name, email, timezone, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user.id, user.name, user.email, user.timezone, now],
    )?;
    let credits = i64::try_from(starting_credits).unwrap_or(i64::MAX);
    tx.execute_cached("INSERT INTO credit_balances (user_id, balance) VALUES (?1, ?2)", params![user.id, credits])?;
    if credits > 0 {
        tx.execute_cached(
            "INSERT INTO credit_ledger (user_id, amount, balance_after, reason, created_at)
             VALUES (?1, ?2, ?2, 'starting balance', ?3)",
            params![user.id, credits, now],
        )?;
    }
    tx.commit()
}

fn user_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User { id: row.get(0)?, name: row.get(1)?, email: row.get(2)?, timezone: row.get(3)? })
}

fn user(conn: &Connection, id: &str) -> rusqlite::Result<Option<User>> {
    conn.query_row_cached("SELECT id, name, email, timezone FROM users WHERE id = ?1", [id], user_row).optional()
}

fn first_user(conn: &Connection) -> rusqlite::Result<Option<User>> {
    conn.query_row_cached(
        "SELECT id, name, email, timezone FROM users ORDER BY created_at, rowid LIMIT 1",
        [],
        user_row,
    )
    .optional()
}

/// The columns [`key_row`] reads, in its order.
macro_rules! key_columns {
    () => {
        "id, user_id, name, hint, scopes, status, created_at, last_used_at"
    };
}

fn key_row(row: &Row<'_>) -> rusqlite::Result<ApiKeyRecord> {
    let scopes: String = row.get(4)?;
    let status: String = row.get(5)?;
    Ok(ApiKeyRecord {
        id: row.get(0)?,
        user_id: row.get(1)?,
        name: row.get(2)?,
        hint: row.get(3)?,
        scopes: scopes
            .split(',')
            .filter(|scope| !scope.is_empty())
            .map(|scope| Scope::parse(scope).ok_or_else(|| corrupt(4, format!("unknown scope `{scope}`"))))
            .collect::<rusqlite::Result<_>>()?,
        status: KeyStatus::parse(&status).ok_or_else(|| corrupt(5, format!("unknown key status `{status}`")))?,
        created_at: row.get(6)?,
        last_used_at: row.get(7)?,
    })
}

fn create_api_key(conn: &Connection, key: &NewApiKey) -> rusqlite::Result<ApiKeyRecord> {
    let scopes: Vec<&str> = key.scopes.iter().map(|scope| scope.as_str()).collect();
    conn.execute_cached(
        "INSERT INTO api_keys (id, user_id, name, hash, hint, scopes, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7)",
        params![key.id, key.user_id, key.name, &key.hash[..], key.hint, scopes.join(","), now_unix()],
    )?;
    conn.query_row_cached(concat!("SELECT ", key_columns!(), " FROM api_keys WHERE id = ?1"), [&key.id], key_row)
}

fn api_key_by_hash(conn: &Connection, hash: &[u8; 32]) -> rusqlite::Result<Option<(ApiKeyRecord, User)>> {
    conn.query_row_cached(
        "SELECT k.id, k.user_id, k.name, k.hint, k.scopes, k.status, k.created_at, k.last_used_at,
                u.id, u.name, u.email, u.timezone
         FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.hash = ?1",
        [&hash[..]],
        |row| {
            let user = User { id: row.get(8)?, name: row.get(9)?, email: row.get(10)?, timezone: row.get(11)? };
            Ok((key_row(row)?, user))
        },
    )
    .optional()
}

fn api_keys(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<ApiKeyRecord>> {
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        key_columns!(),
        " FROM api_keys WHERE user_id = ?1 ORDER BY created_at DESC, rowid DESC"
    ))?;
    statement.query_map([user_id], key_row)?.collect()
}

fn set_api_key_status(conn: &Connection, user_id: &str, id: &str, status: KeyStatus) -> rusqlite::Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE api_keys SET status = ?3 WHERE user_id = ?1 AND id = ?2",
        params![user_id, id, status.as_str()],
    )?;
    Ok(changed == 1)
}

fn touch_api_key(conn: &Connection, id: &str, at: i64) -> rusqlite::Result<()> {
    conn.execute_cached("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1", params![id, at])?;
    Ok(())
}

#[async_trait::async_trait]
impl AccountStore for SqliteStorage {
    async fn create_user(&self, user: User, starting_credits: u64) -> Result<(), StorageError> {
        self.write(move |conn| create_user(conn, &user, starting_credits)).await
    }

    async fn user(&self, id: &str) -> Result<Option<User>, StorageError> {
        let id = id.to_owned();
        self.read(move |conn| user(conn, &id)).await
    }

    async fn first_user(&self) -> Result<Option<User>, StorageError> {
        self.read(|conn| first_user(conn)).await
    }

    async fn create_api_key(&self, key: NewApiKey) -> Result<ApiKeyRecord, StorageError> {
        let inner = self.inner.clone();
        self.write(move |conn| {
            let record = create_api_key(conn, &key)?;
            mark_changed(&inner.keys);
            Ok(record)
        })
        .await
    }

    async fn api_key_by_hash(&self, hash: &[u8; 32]) -> Result<Option<(ApiKeyRecord, User)>, StorageError> {
        let hash = *hash;
        self.read(move |conn| api_key_by_hash(conn, &hash)).await
    }

    async fn api_keys(&self, user_id: &str) -> Result<Vec<ApiKeyRecord>, StorageError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| api_keys(conn, &user_id)).await
    }

    async fn set_api_key_status(&self, user_id: &str, id: &str, status: KeyStatus) -> Result<bool, StorageError> {
        let (user_id, id, inner) = (user_id.to_owned(), id.to_owned(), self.inner.clone());
        self.write(move |conn| {
            let changed = set_api_key_status(conn, &user_id, &id, status)?;
            mark_changed(&inner.keys);
            Ok(changed)
        })
        .await
    }

    async fn touch_api_key(&self, id: &str, at: i64) -> Result<(), StorageError> {
        let id = id.to_owned();
        self.write(move |conn| touch_api_key(conn, &id, at)).await
    }

    fn key_changes(&self) -> KeyChanges {
        self.inner.keys.changes()
    }
}

/// Moves the key marker; a failure only delays other processes, so it is logged.
fn mark_changed(keys: &super::KeyMarker) {
    if let Err(error) = keys.changed() {
        tracing::warn!(%error, "could not mark the key change for other processes; they see it within a second");
    }
}
