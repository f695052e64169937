//! The poller of this process: every second, takes the due polling trigger
//! subscriptions (a compare-and-set claim, so two processes never poll one at
//! once), polls each, and commits what it found.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};

use super::{LEASE_MILLIS, poll_once};
use crate::domain::{PollSubscription, now_millis};
use crate::services::AppState;

/// How often the poller looks for due subscriptions.
const TICK: Duration = Duration::from_secs(1);

/// How many due subscriptions one look takes.
const BATCH: u32 = 100;

/// How many polls run at once in this process.
const CONCURRENT_POLLS: usize = 8;

/// The running poller of this process.
pub struct Poller {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Poller {
    /// Starts the poller over `state`.
    pub fn start(state: AppState) -> Poller {
        let (stop, stopping) = watch::channel(false);
        let task = tokio::spawn(run_poller(state, stopping));
        Poller { stop, task }
    }

    /// Stops it: polls in progress finish and commit; nothing more starts.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the poller stopped abnormally");
        }
    }
}

async fn run_poller(state: AppState, mut stopping: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(CONCURRENT_POLLS));
    let mut running = tokio::task::JoinSet::new();
    while !*stopping.borrow() {
        let now = now_millis();
        match state.storage().due_polls(now, BATCH).await {
            Ok(due) => {
                for poll in due {
                    let Ok(slot) = Arc::clone(&slots).acquire_owned().await else { break };
                    let state = state.clone();
                    running.spawn(async move {
                        take(&state, poll, now).await;
                        drop(slot);
                    });
                }
            }
            Err(error) => tracing::error!(%error, "reading the due polls failed"),
        }
        while running.try_join_next().is_some() {}
        tokio::select! {
            () = tokio::time::sleep(TICK) => {}
            changed = stopping.changed() => if changed.is_err() { break },
        }
    }
    while running.join_next().await.is_some() {}
}

/// Claims `poll` (unless another process took it), polls it and commits.
pub(super) async fn take(state: &AppState, poll: PollSubscription, now: i64) {
    let lease_until = now + LEASE_MILLIS;
    match state.storage().claim_poll(&poll.id, poll.next_poll_at, lease_until).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(error) => {
            tracing::error!(%error, poll = %poll.id, "claiming a poll failed");
            return;
        }
    }
    let outcome = poll_once(state, &poll, now).await;
    if let Some(error) = &outcome.error {
        tracing::warn!(poll = %poll.id, block = %poll.block_id, %error, "a poll failed");
    }
    let queued = outcome.runs.len();
    match state.storage().finish_poll(&poll.id, lease_until, outcome).await {
        Ok(true) if queued > 0 => state.run_hub().wake(),
        Ok(_) => {}
        // The lease ends and the subscription is polled again, from the cursor
        // it had: nothing found by this poll is lost.
        Err(error) => tracing::error!(%error, poll = %poll.id, "committing a poll failed"),
    }
}
