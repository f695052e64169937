//! The database itself: whether it answers, and the server's own settings kept in
//! it.

use super::StorageError;

/// Health and settings.
#[async_trait::async_trait]
pub trait SettingStore: Send + Sync + 'static {
    /// Checks that the storage answers.
    async fn ping(&self) -> Result<(), StorageError>;

    /// The setting `name`, or else `value` stored as it: the value that holds
    /// either way.
    async fn setting_or_insert(&self, name: &str, value: Vec<u8>) -> Result<Vec<u8>, StorageError>;
}
