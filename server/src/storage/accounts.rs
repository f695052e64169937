//! Users and their API keys.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::domain::{ApiKeyRecord, KeyStatus, NewApiKey, User};

use super::StorageError;

/// A counter that moves whenever an API key changes (created, revoked, suspended,
/// resumed), in this process or, as soon as the backend learns of it, in another
/// one sharing the database. Caches of keys empty themselves when it moves.
#[derive(Debug, Clone, Default)]
pub struct KeyChanges(Arc<AtomicU64>);

impl KeyChanges {
    /// The current value; compare it with a later one.
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Says that keys changed.
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// Users and API keys.
#[async_trait::async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Creates a user with a starting credit balance (a ledger row records it).
    async fn create_user(&self, user: User, starting_credits: u64) -> Result<(), StorageError>;

    /// The user `id`.
    async fn user(&self, id: &str) -> Result<Option<User>, StorageError>;

    /// The first user created: the local user of a single-user server.
    async fn first_user(&self) -> Result<Option<User>, StorageError>;

    /// Stores a new API key (its hash only).
    async fn create_api_key(&self, key: NewApiKey) -> Result<ApiKeyRecord, StorageError>;

    /// The key whose SHA-256 is `hash`, whatever its status, and its owner (one
    /// lookup).
    async fn api_key_by_hash(&self, hash: &[u8; 32]) -> Result<Option<(ApiKeyRecord, User)>, StorageError>;

    /// Every key of `user_id`, newest first.
    async fn api_keys(&self, user_id: &str) -> Result<Vec<ApiKeyRecord>, StorageError>;

    /// Sets the status of `user_id`'s key `id`; `false` when there is no such key.
    async fn set_api_key_status(&self, user_id: &str, id: &str, status: KeyStatus) -> Result<bool, StorageError>;

    /// Records that key `id` was used at `at` (Unix seconds).
    async fn touch_api_key(&self, id: &str, at: i64) -> Result<(), StorageError>;

    /// The counter that moves when keys change, here or in another process.
    fn key_changes(&self) -> KeyChanges;
}
