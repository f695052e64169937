//! Sealed credentials: public meta in columns, the secret JSON sealed in a blob.

use block_core::credentials::{CredentialsMeta, CredentialsType, RefreshLock};
use tokio_postgres::Row;

use super::PostgresStorage;
use super::sql::{self, get};
use crate::domain::{SealedCredentials, now_unix};
use crate::storage::{CredentialRows, StorageError};

fn meta_row(row: &Row) -> Result<CredentialsMeta, StorageError> {
    let kind: String = get(row, 2)?;
    Ok(CredentialsMeta {
        id: get(row, 0)?,
        provider: get(row, 1)?,
        kind: serde_json::from_value::<CredentialsType>(serde_json::Value::String(kind.clone()))
            .map_err(|_| StorageError::corrupt(format!("unknown credentials type `{kind}`")))?,
        title: get(row, 3)?,
    })
}

#[async_trait::async_trait]
impl CredentialRows for PostgresStorage {
    async fn put_credentials(&self, user_id: &str, credentials: SealedCredentials) -> Result<(), StorageError> {
        let meta = &credentials.meta;
        let client = self.client().await?;
        sql::execute(
            &client,
            "INSERT INTO credentials (user_id, id, provider, type, title, sealed, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (user_id, id) DO UPDATE SET provider = excluded.provider, type = excluded.type,
                 title = excluded.title, sealed = excluded.sealed, updated_at = excluded.updated_at",
            &[&user_id, &meta.id, &meta.provider, &meta.kind.as_str(), &meta.title, &credentials.sealed, &now_unix()],
        )
        .await
        .map(drop)
    }

    async fn credentials(&self, user_id: &str, id: &str) -> Result<Option<SealedCredentials>, StorageError> {
        let client = self.client().await?;
        let row = sql::query_opt(
            &client,
            "SELECT id, provider, type, title, sealed FROM credentials WHERE user_id = $1 AND id = $2",
            &[&user_id, &id],
        )
        .await?;
        row.map(|row| Ok(SealedCredentials { meta: meta_row(&row)?, sealed: get(&row, 4)? })).transpose()
    }

    async fn list_credentials(&self, user_id: &str) -> Result<Vec<CredentialsMeta>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            "SELECT id, provider, type, title FROM credentials WHERE user_id = $1 ORDER BY provider, created_at, id",
            &[&user_id],
        )
        .await?;
        rows.iter().map(meta_row).collect()
    }

    async fn delete_credentials(&self, user_id: &str, id: &str) -> Result<bool, StorageError> {
        let client = self.client().await?;
        Ok(sql::execute(&client, "DELETE FROM credentials WHERE user_id = $1 AND id = $2", &[&user_id, &id]).await?
            == 1)
    }

    async fn lock_credentials(&self, user_id: &str, id: &str) -> Result<Option<RefreshLock>, StorageError> {
        lock(self, user_id, id).await.map(Some)
    }
}

/// An advisory lock on one user's credentials, held on a connection of its
/// own. Dropped, it is released and the connection goes back to the pool; if
/// no runtime is left to release it, the connection is closed, which releases
/// it too. A process that dies releases it with its connection.
struct CredentialsLock {
    client: Option<deadpool_postgres::Client>,
    key: String,
}

impl Drop for CredentialsLock {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else { return };
        let key = std::mem::take(&mut self.key);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if client.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", &[&key]).await.is_err() {
                        // The lock's state is unknown: the connection must not be reused.
                        drop(deadpool_postgres::Object::take(client));
                    }
                });
            }
            Err(_) => drop(deadpool_postgres::Object::take(client)),
        }
    }
}

/// Takes the lock on `user_id`'s credentials `id`, waiting for another holder.
pub(super) async fn lock(storage: &PostgresStorage, user_id: &str, id: &str) -> Result<RefreshLock, StorageError> {
    let client = storage.client().await?;
    // Users and ids are free text: the key (the user id's length first, so
    // that no two pairs read the same) is hashed to the lock's 64 bits.
    let key = format!("credentials:{}:{user_id}:{id}", user_id.len());
    client.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", &[&key]).await?;
    Ok(Box::new(CredentialsLock { client: Some(client), key }))
}
