//! Subscriptions of polling triggers: a trigger block whose service sends no
//! webhooks, polled on its interval with a stored input, remembering where its
//! last poll stood (its cursor) so that nothing is lost or repeated across
//! restarts.

use serde_json::Value;

/// One user's subscription of a polling trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct PollSubscription {
    /// Its id.
    pub id: String,
    /// Whose it is: the trigger runs are theirs, charged to them.
    pub user_id: String,
    /// The polling trigger block.
    pub block_id: String,
    /// The block's input apart from `payload`, its secret fields sealed.
    pub input: Value,
    /// Seconds between polls.
    pub every_secs: u64,
    /// Where polling stands (the block's dedupe cursor); `None` before the
    /// first poll.
    pub cursor: Option<Value>,
    /// When it is polled next (Unix milliseconds); a poll in progress holds it
    /// at the end of its lease.
    pub next_poll_at: i64,
    /// When it was created (Unix milliseconds).
    pub created_at: i64,
    /// When its last poll ended (Unix milliseconds).
    pub last_polled_at: Option<i64>,
    /// Why its last poll failed; `None` after one that succeeded.
    pub last_error: Option<String>,
    /// How many trigger runs its polls have queued.
    pub runs_queued: u64,
}
