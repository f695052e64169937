//! Runs and their queue: records, ordered events, claims with leases, and what
//! a crash or a dead worker leaves behind.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use tokio::sync::Notify;

use crate::domain::{Run, RunEvent, RunKind, RunStatus};

use super::StorageError;

/// Which runs a list shows.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Only runs in this status.
    pub status: Option<RunStatus>,
    /// Only runs of this kind.
    pub kind: Option<RunKind>,
    /// Only runs of this block.
    pub block_id: Option<String>,
    /// Only runs created at or after this (Unix milliseconds).
    pub since: Option<i64>,
    /// Only runs belonging to this one (a graph run's nodes).
    pub parent_id: Option<String>,
}

/// A page of runs, newest first.
#[derive(Debug, Clone)]
pub struct RunPage {
    /// The runs.
    pub items: Vec<Run>,
    /// The id after which the next page starts, if there is one.
    pub next_cursor: Option<String>,
    /// How many runs the filter matches in all.
    pub total_count: u64,
}

/// The end of a run, as its worker (or the request that ran it inline) records it.
#[derive(Debug, Clone)]
pub struct RunEnd {
    /// The run.
    pub id: String,
    /// How it ended.
    pub status: RunStatus,
    /// Its outputs, capped.
    pub outputs: Map<String, Value>,
    /// Pins cut by the cap.
    pub truncated: Vec<String>,
    /// The error, if any.
    pub error: Option<String>,
    /// What it was charged in all.
    pub charged: u64,
    /// Unix milliseconds.
    pub finished_at: i64,
}

/// Whether a run may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// It started (charged, if it costs anything).
    Started,
    /// Its owner's balance does not cover its price; nothing was written.
    Insufficient {
        /// The balance as it is.
        balance: u64,
    },
    /// The run is no longer running under the caller's lease (it expired, and
    /// another process recovered the run, or it ended): nothing was written,
    /// and the caller must leave the run alone.
    NotHeld,
}

/// What stopping a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopOutcome {
    /// It was queued: it is stopped now, and nothing was charged.
    Stopped,
    /// It is running: its worker was asked to stop it.
    Requested,
    /// It had already ended.
    AlreadyOver(RunStatus),
    /// No such run of this user.
    NotFound,
}

/// What the recovery of runs left without a live worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Runs whose block had not started, queued again.
    pub requeued: u64,
    /// Runs whose block had started, marked interrupted.
    pub interrupted: u64,
    /// Credits given back for the interrupted ones.
    pub refunded: u64,
}

/// Run records and their events.
#[async_trait::async_trait]
pub trait RunStore: Send + Sync + 'static {
    /// Stores new runs (queued, or running for one answered inline) in one
    /// transaction.
    async fn create_runs(&self, runs: Vec<Run>) -> Result<(), StorageError>;

    /// Starts run `id`, claimed by `worker`: takes `charge` credits from its
    /// owner if the balance covers them (a ledger row naming the run, with
    /// `reason`), and marks its block started, in one transaction. From then on
    /// the run is never queued again: a crash makes it interrupted, and refunded.
    /// [`Admission::NotHeld`] when the run is no longer running under `worker`'s
    /// lease (a worker that stalled past its lease, whose run another process has
    /// queued again and perhaps claimed, must not start it a second time).
    async fn start_run(&self, id: &str, worker: &str, charge: u64, reason: &str) -> Result<Admission, StorageError>;

    /// Stores `run`, answered inline (running, its block about to start, held by
    /// `worker` for `lease`): a paid one (`charge` > 0) is charged and stored in
    /// one transaction and waited for; a free one is written with the next group
    /// of writes (nothing is owed on it if a crash loses it).
    async fn begin_inline(
        &self,
        run: Run,
        worker: &str,
        lease: Duration,
        charge: u64,
        reason: &str,
    ) -> Result<Admission, StorageError>;

    /// Appends events. Taken at the call and written soon after, together with
    /// others (the future resolves once they are stored); events of one run are
    /// stored in the order of the calls.
    fn append_events(&self, events: Vec<RunEvent>) -> BoxFuture<'static, Result<(), StorageError>>;

    /// [`append_events`](Self::append_events) for a caller that does not wait
    /// (a failure is logged): a store may skip making the future.
    fn append_events_later(&self, events: Vec<RunEvent>) {
        drop(self.append_events(events));
    }

    /// Records how a run ended (after its events), releasing its lease.
    fn finish_run(&self, end: RunEnd) -> BoxFuture<'static, Result<(), StorageError>>;

    /// [`finish_run`](Self::finish_run) for a caller that does not wait (a
    /// failure is logged).
    fn finish_run_later(&self, end: RunEnd) {
        drop(self.finish_run(end));
    }

    /// Resolves once everything appended or finished before is stored.
    async fn flush(&self) -> Result<(), StorageError>;

    /// `user_id`'s run `id`.
    async fn run(&self, user_id: &str, id: &str) -> Result<Option<Run>, StorageError>;

    /// `user_id`'s runs matching `filter`, newest first, `limit` of them after
    /// `cursor`.
    async fn runs(
        &self,
        user_id: &str,
        filter: &RunFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<RunPage, StorageError>;

    /// Run `run_id`'s events after `after` (0: from the first), at most `limit`.
    async fn events(&self, run_id: &str, after: u64, limit: u32) -> Result<Vec<RunEvent>, StorageError>;

    /// Stops `user_id`'s run `id`: a queued one at once, a running one by asking
    /// its worker.
    async fn request_stop(&self, user_id: &str, id: &str) -> Result<StopOutcome, StorageError>;
}

/// The queue of runs waiting for a worker.
#[async_trait::async_trait]
pub trait RunQueue: Send + Sync + 'static {
    /// Claims up to `limit` queued runs for `worker`, with a lease of `lease`,
    /// oldest first but taking turns between users, and never more than
    /// `per_user` running at once for one user. Running graph runs are not
    /// counted: they only wait on their node runs, which are.
    async fn claim(&self, worker: &str, limit: u32, per_user: u32, lease: Duration) -> Result<Vec<Run>, StorageError>;

    /// Renews `worker`'s leases on `runs`; returns those whose stop was requested.
    async fn renew(&self, worker: &str, runs: &[String], lease: Duration) -> Result<Vec<String>, StorageError>;

    /// Gives back `worker`'s claim on `id` before its block started (a shutdown):
    /// the run is queued again.
    async fn release(&self, worker: &str, id: &str) -> Result<(), StorageError>;

    /// Runs whose lease has expired (every running run, with `all`, for a single
    /// server starting up): queued again if their block had not started, else
    /// interrupted and refunded. Idempotent. On a storage shared by processes a
    /// graph run is queued again too, to be resumed: its node runs are queued
    /// runs of their own there, found again by their ids (on one process they
    /// run inside the graph run's, and it ends interrupted with them).
    async fn recover(&self, all: bool) -> Result<Recovered, StorageError>;

    /// Woken when runs may have been queued by another process sharing the
    /// storage; `None` when the storage cannot tell (workers then look at the
    /// queue now and then).
    fn queue_signal(&self) -> Option<Arc<Notify>> {
        None
    }

    /// Whether processes other than this one may hold runs of this storage
    /// (server and worker processes on one database). Then a process starting
    /// up recovers only runs whose lease expired, never every running run.
    fn shared_by_processes(&self) -> bool {
        false
    }
}
