//! Users and API keys. A change of a key is announced on the keys channel in
//! its own transaction, so every process hears of it once it is committed.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::sql::{self, get};
use super::{KEYS_CHANNEL, PostgresStorage};
use crate::domain::{ApiKeyRecord, KeyStatus, NewApiKey, Scope, User, now_unix};
use crate::storage::{AccountStore, KeyChanges, StorageError};

/// The columns [`key_row`] reads, in its order.
macro_rules! key_columns {
    () => {
        "id, user_id, name, hint, scopes, status, created_at, last_used_at"
    };
}

pub(super) fn scopes_of(text: &str) -> Result<Vec<Scope>, StorageError> {
    text.split(',')
        .filter(|scope| !scope.is_empty())
        .map(|scope| Scope::parse(scope).ok_or_else(|| StorageError::corrupt(format!("unknown scope `{scope}`"))))
        .collect()
}

fn user_row(row: &Row, at: usize) -> Result<User, StorageError> {
    Ok(User { id: get(row, at)?, name: get(row, at + 1)?, email: get(row, at + 2)?, timezone: get(row, at + 3)? })
}

fn key_row(row: &Row) -> Result<ApiKeyRecord, StorageError> {
    let status: String = get(row, 5)?;
    Ok(ApiKeyRecord {
        id: get(row, 0)?,
        user_id: get(row, 1)?,
        name: get(row, 2)?,
        hint: get(row, 3)?,
        scopes: scopes_of(get(row, 4)?)?,
        status: KeyStatus::parse(&status)
            .ok_or_else(|| StorageError::corrupt(format!("unknown key status `{status}`")))?,
        created_at: get(row, 6)?,
        last_used_at: get(row, 7)?,
    })
}

/// Tells every process (this one included, through its listener) that keys changed.
async fn announce(client: &impl GenericClient) -> Result<(), StorageError> {
    sql::execute(client, "SELECT pg_notify($1, '')", &[&KEYS_CHANNEL]).await.map(drop)
}

#[async_trait::async_trait]
impl AccountStore for PostgresStorage {
    async fn create_user(&self, user: User, starting_credits: u64) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let now = now_unix();
        sql::execute(
            &tx,
            "INSERT INTO users (id, name, email, timezone, created_at) VALUES ($1, $2, $3, $4, $5)",
            &[&user.id, &user.name, &user.email, &user.timezone, &now],
        )
        .await?;
        let credits = sql::int(starting_credits);
        sql::execute(&tx, "INSERT INTO credit_balances (user_id, balance) VALUES ($1, $2)", &[&user.id, &credits])
            .await?;
        if credits > 0 {
            sql::execute(
                &tx,
                "INSERT INTO credit_ledger (user_id, amount, balance_after, reason, created_at)
                 VALUES ($1, $2, $2, 'starting balance', $3)",
                &[&user.id, &credits, &now],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn user(&self, id: &str) -> Result<Option<User>, StorageError> {
        let client = self.client().await?;
        let row = sql::query_opt(&client, "SELECT id, name, email, timezone FROM users WHERE id = $1", &[&id]).await?;
        row.map(|row| user_row(&row, 0)).transpose()
    }

    async fn first_user(&self) -> Result<Option<User>, StorageError> {
        let client = self.client().await?;
        let row = sql::query_opt(
            &client,
            "SELECT id, name, email, timezone FROM users ORDER BY created_at, ord LIMIT 1",
            &[],
        )
        .await?;
        row.map(|row| user_row(&row, 0)).transpose()
    }

    async fn create_api_key(&self, key: NewApiKey) -> Result<ApiKeyRecord, StorageError> {
        let scopes: Vec<&str> = key.scopes.iter().map(|scope| scope.as_str()).collect();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = sql::query_one(
            &tx,
            concat!(
                "INSERT INTO api_keys (id, user_id, name, hash, hint, scopes, status, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'active', $7) RETURNING ",
                key_columns!()
            ),
            &[&key.id, &key.user_id, &key.name, &&key.hash[..], &key.hint, &scopes.join(","), &now_unix()],
        )
        .await?;
        announce(&tx).await?;
        tx.commit().await?;
        self.inner.keys.bump();
        key_row(&row)
    }

    async fn api_key_by_hash(&self, hash: &[u8; 32]) -> Result<Option<(ApiKeyRecord, User)>, StorageError> {
        let client = self.client().await?;
        let row = sql::query_opt(
            &client,
            "SELECT k.id, k.user_id, k.name, k.hint, k.scopes, k.status, k.created_at, k.last_used_at,
                    u.id, u.name, u.email, u.timezone
             FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.hash = $1",
            &[&&hash[..]],
        )
        .await?;
        row.map(|row| Ok((key_row(&row)?, user_row(&row, 8)?))).transpose()
    }

    async fn api_keys(&self, user_id: &str) -> Result<Vec<ApiKeyRecord>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            concat!("SELECT ", key_columns!(), " FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC, ord DESC"),
            &[&user_id],
        )
        .await?;
        rows.iter().map(key_row).collect()
    }

    async fn set_api_key_status(&self, user_id: &str, id: &str, status: KeyStatus) -> Result<bool, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let changed = sql::execute(
            &tx,
            "UPDATE api_keys SET status = $3 WHERE user_id = $1 AND id = $2",
            &[&user_id, &id, &status.as_str()],
        )
        .await?;
        announce(&tx).await?;
        tx.commit().await?;
        self.inner.keys.bump();
        Ok(changed == 1)
    }

    async fn touch_api_key(&self, id: &str, at: i64) -> Result<(), StorageError> {
        let client = self.client().await?;
        sql::execute(&client, "UPDATE api_keys SET last_used_at = $2 WHERE id = $1", &[&id, &at]).await.map(drop)
    }

    fn key_changes(&self) -> KeyChanges {
        self.inner.keys.clone()
    }
}
