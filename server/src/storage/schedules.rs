//! Schedules, and the claim that makes each fire happen once however many
//! server processes share the storage.

use crate::domain::{Run, Schedule};

use super::StorageError;

/// A fire of a schedule, taken by one scheduler, with what it does: the claim
/// and its run are stored in one transaction, so a fire is never taken without
/// its run queued (a crash in between would lose it) nor queued twice.
#[derive(Debug, Clone, PartialEq)]
pub struct FireClaim {
    /// The schedule.
    pub id: String,
    /// The next fire time the scheduler read (Unix milliseconds): the claim
    /// holds only if it is still the stored one.
    pub due: i64,
    /// The fire time after this one, or `None` when the pattern has no more.
    pub next: Option<i64>,
    /// When the fire queues a run (Unix milliseconds); `None` for a fire the
    /// missed-fire policy skips.
    pub fired_at: Option<i64>,
    /// What the fire does.
    pub result: FireResult,
}

/// What a claimed fire does.
#[derive(Debug, Clone, PartialEq)]
pub enum FireResult {
    /// Nothing (the missed-fire policy skips it).
    Skipped,
    /// It queues this run.
    Queued(Box<Run>),
    /// It cannot queue a run, for this reason (kept on the schedule).
    Failed(String),
}

/// Schedules of every user.
#[async_trait::async_trait]
pub trait ScheduleStore: Send + Sync + 'static {
    /// Stores a new schedule.
    async fn create_schedule(&self, schedule: Schedule) -> Result<(), StorageError>;

    /// `user_id`'s schedules, oldest first.
    async fn schedules(&self, user_id: &str) -> Result<Vec<Schedule>, StorageError>;

    /// `user_id`'s schedule `id`.
    async fn schedule(&self, user_id: &str, id: &str) -> Result<Option<Schedule>, StorageError>;

    /// Deletes `user_id`'s schedule `id`; whether there was one. Runs it
    /// queued stay.
    async fn delete_schedule(&self, user_id: &str, id: &str) -> Result<bool, StorageError>;

    /// Schedules whose next fire time is at or before `now` (Unix
    /// milliseconds), the most overdue first, at most `limit` of them.
    async fn due_schedules(&self, now: i64, limit: u32) -> Result<Vec<Schedule>, StorageError>;

    /// The earliest next fire time of any schedule.
    async fn earliest_fire(&self) -> Result<Option<i64>, StorageError>;

    /// Takes a fire: moves the schedule's next fire time from `claim.due` to
    /// `claim.next` (and records `fired_at`) in one compare-and-set, so that of
    /// several schedulers reading the same due fire exactly one gets `true`, and
    /// in the same transaction queues the fire's run (or records why there is
    /// none). `false` when the next fire time is no longer `claim.due` (another
    /// scheduler took it) or the schedule is gone: then nothing is stored.
    async fn claim_fire(&self, claim: FireClaim) -> Result<bool, StorageError>;
}
