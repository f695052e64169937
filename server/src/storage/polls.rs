//! Subscriptions of polling triggers, and the claim and commit that make each
//! poll happen once and count once, however many processes share the storage.

use crate::domain::{PollSubscription, Run};

use super::StorageError;

/// What one poll did, committed at once.
#[derive(Debug, Clone)]
pub struct PollOutcome {
    /// The cursor to keep; `None` keeps the stored one (a failed poll).
    pub cursor: Option<serde_json::Value>,
    /// The trigger runs to queue, one per new item.
    pub runs: Vec<Run>,
    /// When to poll next (Unix milliseconds).
    pub next_poll_at: i64,
    /// When the poll ended (Unix milliseconds).
    pub polled_at: i64,
    /// Why it failed, or `None`.
    pub error: Option<String>,
}

/// Polling trigger subscriptions of every user.
#[async_trait::async_trait]
pub trait PollStore: Send + Sync + 'static {
    /// Stores a new subscription.
    async fn create_poll(&self, poll: PollSubscription) -> Result<(), StorageError>;

    /// `user_id`'s subscriptions, oldest first.
    async fn polls(&self, user_id: &str) -> Result<Vec<PollSubscription>, StorageError>;

    /// Deletes `user_id`'s subscription `id`; whether there was one. Runs its
    /// polls queued stay.
    async fn delete_poll(&self, user_id: &str, id: &str) -> Result<bool, StorageError>;

    /// Subscriptions due at `now` (Unix milliseconds), the most overdue first,
    /// at most `limit`.
    async fn due_polls(&self, now: i64, limit: u32) -> Result<Vec<PollSubscription>, StorageError>;

    /// Takes a due poll: moves its next poll time from `due` to `lease_until`
    /// in one compare-and-set, so of several pollers exactly one gets `true`.
    /// A poller that dies holding it leaves the subscription to be polled again
    /// once the lease ends, its cursor unmoved and nothing queued.
    async fn claim_poll(&self, id: &str, due: i64, lease_until: i64) -> Result<bool, StorageError>;

    /// Commits a claimed poll in one transaction: its runs queued, its cursor,
    /// next poll time and last result stored. Only while the claim holds (the
    /// next poll time is still `lease_until`): `false`, and nothing stored, when
    /// the subscription was deleted meanwhile.
    async fn finish_poll(&self, id: &str, lease_until: i64, outcome: PollOutcome) -> Result<bool, StorageError>;
}
