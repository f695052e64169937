//! Sealed credentials: public meta in columns, the secret JSON sealed in a blob.

use block_core::credentials::{CredentialsMeta, CredentialsType};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Cached, SqliteStorage, corrupt};
use crate::domain::{SealedCredentials, now_unix};
use crate::storage::{CredentialRows, StorageError};

fn meta_row(row: &Row<'_>) -> rusqlite::Result<CredentialsMeta> {
    let kind: String = row.get(2)?;
    Ok(CredentialsMeta {
        id: row.get(0)?,
        provider: row.get(1)?,
        kind: serde_json::from_value::<CredentialsType>(serde_json::Value::String(kind.clone()))
            .map_err(|_| corrupt(2, format!("unknown credentials type `{kind}`")))?,
        title: row.get(3)?,
    })
}

fn put(conn: &Connection, user_id: &str, credentials: &SealedCredentials) -> rusqlite::Result<()> {
    let meta = &credentials.meta;
    let now = now_unix();
    conn.execute_cached(
        "INSERT INTO credentials (user_id, id, provider, type, title, sealed, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (user_id, id) DO UPDATE SET provider = excluded.provider, type = excluded.type,
             title = excluded.title, sealed = excluded.sealed, updated_at = excluded.updated_at",
        params![user_id, meta.id, meta.provider, meta.kind.as_str(), meta.title, credentials.sealed, now],
    )?;
    Ok(())
}

fn get(conn: &Connection, user_id: &str, id: &str) -> rusqlite::Result<Option<SealedCredentials>> {
    conn.query_row_cached(
        "SELECT id, provider, type, title, sealed FROM credentials WHERE user_id = ?1 AND id = ?2",
        params![user_id, id],
        |row| Ok(SealedCredentials { meta: meta_row(row)?, sealed: row.get(4)? }),
    )
    .optional()
}

fn list(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<CredentialsMeta>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, provider, type, title FROM credentials WHERE user_id = ?1 ORDER BY provider, created_at, id",
    )?;
    statement.query_map([user_id], meta_row)?.collect()
}

fn delete(conn: &Connection, user_id: &str, id: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute_cached("DELETE FROM credentials WHERE user_id = ?1 AND id = ?2", params![user_id, id])? == 1)
}

#[async_trait::async_trait]
impl CredentialRows for SqliteStorage {
    async fn put_credentials(&self, user_id: &str, credentials: SealedCredentials) -> Result<(), StorageError> {
        let user_id = user_id.to_owned();
        self.write(move |conn| put(conn, &user_id, &credentials)).await
    }

    async fn credentials(&self, user_id: &str, id: &str) -> Result<Option<SealedCredentials>, StorageError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.read(move |conn| get(conn, &user_id, &id)).await
    }

    async fn list_credentials(&self, user_id: &str) -> Result<Vec<CredentialsMeta>, StorageError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| list(conn, &user_id)).await
    }

    async fn delete_credentials(&self, user_id: &str, id: &str) -> Result<bool, StorageError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| delete(conn, &user_id, &id)).await
    }
}
