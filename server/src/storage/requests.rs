//! What the run engine keeps about the requests that start work and about the
//! calls it makes back: idempotency keys (24 h), each user's callback secret
//! (sealed), and completion callbacks with their attempts.

use serde::{Deserialize, Serialize};

use super::StorageError;

/// What a request with an idempotency key finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotent {
    /// The key is new: it is now held for this request.
    New,
    /// A request with this key is still being answered.
    InProgress,
    /// The key was used with another request.
    Mismatch,
    /// The key's request was answered: this is the answer.
    Done(StoredAnswer),
}

/// An answer kept for replays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// The HTTP status.
    pub status: u16,
    /// Its content type.
    pub content_type: Option<String>,
    /// Its body (none for a stream: replays follow the run instead).
    pub body: Option<Vec<u8>>,
    /// The run it started, if any.
    pub run_id: Option<String>,
}

/// One attempt to deliver a completion callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallbackAttempt {
    /// Unix milliseconds.
    pub at: i64,
    /// The HTTP status the receiver answered, if it answered.
    pub status: Option<u16>,
    /// Why the attempt failed, if it did.
    pub error: Option<String>,
}

/// A run's completion callback and how its delivery went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Callback {
    /// The run.
    pub run_id: String,
    /// Its owner.
    #[serde(skip)]
    pub user_id: String,
    /// Where the run record is posted.
    pub url: String,
    /// Unix milliseconds the run ended.
    pub created_at: i64,
    /// When the next attempt is due, while it is not delivered.
    pub next_attempt_at: Option<i64>,
    /// When it was delivered.
    pub delivered_at: Option<i64>,
    /// When delivery was given up (24 h after the run ended).
    pub gave_up_at: Option<i64>,
    /// Every attempt, in order.
    pub attempts: Vec<CallbackAttempt>,
}

/// How an attempt went, as recorded.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    /// The attempt.
    pub attempt: CallbackAttempt,
    /// Delivered (a 2xx answer).
    pub delivered: bool,
    /// The next attempt's time; `None` with `delivered` false means giving up.
    pub next_attempt_at: Option<i64>,
}

/// Idempotency keys.
#[async_trait::async_trait]
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Holds `key` of `user_id` for the request hashing to `hash`, or says what
    /// the key already holds. Keys older than `expired_before` (Unix ms) count as
    /// new.
    async fn begin_idempotent(
        &self,
        user_id: &str,
        key: &str,
        hash: &[u8; 32],
        now: i64,
        expired_before: i64,
    ) -> Result<Idempotent, StorageError>;

    /// Keeps the answer of the request holding `key`.
    async fn finish_idempotent(&self, user_id: &str, key: &str, answer: StoredAnswer) -> Result<(), StorageError>;

    /// Lets `key` go (its request failed before answering): the next request
    /// with it is new.
    async fn abandon_idempotent(&self, user_id: &str, key: &str) -> Result<(), StorageError>;
}

/// Callback secrets and completion callbacks.
#[async_trait::async_trait]
pub trait CallbackStore: Send + Sync + 'static {
    /// Replaces `user_id`'s callback secret (sealed).
    async fn put_callback_secret(&self, user_id: &str, sealed: Vec<u8>) -> Result<(), StorageError>;

    /// `user_id`'s callback secret, sealed.
    async fn callback_secret(&self, user_id: &str) -> Result<Option<Vec<u8>>, StorageError>;

    /// Schedules the callback of a run that ended, due now.
    async fn schedule_callback(&self, callback: Callback) -> Result<(), StorageError>;

    /// Takes up to `limit` callbacks due at `now`, holding each until `hold_until`
    /// (so that no other worker sends it meanwhile).
    async fn claim_callbacks(&self, now: i64, hold_until: i64, limit: u32) -> Result<Vec<Callback>, StorageError>;

    /// Records an attempt on `run_id`'s callback.
    async fn record_attempt(&self, run_id: &str, outcome: AttemptOutcome) -> Result<(), StorageError>;

    /// `run_id`'s callback, if it has one.
    async fn callback(&self, run_id: &str) -> Result<Option<Callback>, StorageError>;
}
