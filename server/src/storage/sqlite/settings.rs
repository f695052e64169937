//! Health checks and the server's settings table.

use super::{Cached, SqliteStorage};
use crate::storage::{SettingStore, StorageError};

#[async_trait::async_trait]
impl SettingStore for SqliteStorage {
    async fn ping(&self) -> Result<(), StorageError> {
        self.read(|conn| conn.query_row_cached("SELECT 1", [], |_| Ok(()))).await
    }

    async fn setting_or_insert(&self, name: &str, value: Vec<u8>) -> Result<Vec<u8>, StorageError> {
        let name = name.to_owned();
        self.write(move |conn| {
            conn.execute_cached(
                "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
                (&name, &value),
            )?;
            conn.query_row_cached("SELECT value FROM settings WHERE name = ?1", [&name], |row| row.get(0))
        })
        .await
    }
}
