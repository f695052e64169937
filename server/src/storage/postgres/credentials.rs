//! Sealed credentials: public meta in columns, the secret JSON sealed in a blob.

use block_core::credentials::{CredentialsMeta, CredentialsType};
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
}
