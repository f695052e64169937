//! Health checks and the server's settings table.

use super::PostgresStorage;
use super::sql::{self, get};
use crate::storage::{SettingStore, StorageError};

#[async_trait::async_trait]
impl SettingStore for PostgresStorage {
    async fn ping(&self) -> Result<(), StorageError> {
        let client = self.client().await?;
        sql::query_one(&client, "SELECT 1", &[]).await.map(drop)
    }

    async fn setting_or_insert(&self, name: &str, value: Vec<u8>) -> Result<Vec<u8>, StorageError> {
        let client = self.client().await?;
        // Of processes starting together, the first insert wins and every one
        // reads it back.
        sql::execute(
            &client,
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&name, &value],
        )
        .await?;
        let row = sql::query_one(&client, "SELECT value FROM settings WHERE name = $1", &[&name]).await?;
        get(&row, 0)
    }
}
