//! Users' credentials, sealed: the storage never sees a secret in the clear.

use block_core::credentials::{CredentialsMeta, RefreshLock};

use crate::domain::SealedCredentials;

use super::StorageError;

/// Sealed credentials per user.
#[async_trait::async_trait]
pub trait CredentialRows: Send + Sync + 'static {
    /// Creates or replaces `user_id`'s sealed credentials.
    async fn put_credentials(&self, user_id: &str, credentials: SealedCredentials) -> Result<(), StorageError>;

    /// `user_id`'s sealed credentials `id`.
    async fn credentials(&self, user_id: &str, id: &str) -> Result<Option<SealedCredentials>, StorageError>;

    /// The meta of every credentials of `user_id`.
    async fn list_credentials(&self, user_id: &str) -> Result<Vec<CredentialsMeta>, StorageError>;

    /// Deletes `user_id`'s credentials `id`; `false` when there were none.
    async fn delete_credentials(&self, user_id: &str, id: &str) -> Result<bool, StorageError>;

    /// Locks `user_id`'s credentials `id` against other processes sharing the
    /// storage until the guard drops (their OAuth refresh happens once);
    /// `None` when the storage serves one process only.
    async fn lock_credentials(&self, _user_id: &str, _id: &str) -> Result<Option<RefreshLock>, StorageError> {
        Ok(None)
    }
}
