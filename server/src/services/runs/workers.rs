//! The workers of this process: claim queued runs (fairly across users, never
//! more than the per-user limit running), run each to its end, renew their
//! leases while they run (and stop the ones whose stop was asked), and recover
//! runs whose worker died.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::driver::{RunDriver, Start};
use crate::domain::{Run, RunKind, RunStatus, now_millis};
use crate::services::{AppState, run_input};
use crate::storage::RunEnd;

/// How often idle workers look at the queue for runs queued by another process
/// (runs queued here wake them at once), when the storage cannot tell.
const IDLE_POLL: Duration = Duration::from_millis(250);

/// How often idle workers look at the queue anyway when the storage tells them
/// of runs queued elsewhere (a notification lost with a connection, a lease
/// that expired without anyone queueing anything).
const IDLE_POLL_NOTIFIED: Duration = Duration::from_secs(5);

/// How often runs whose worker died are looked for (at least once a lease).
const RECOVERY_EVERY: Duration = Duration::from_secs(10);

/// The running workers of this process.
pub struct Workers {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Workers {
    /// Starts the workers over `state`.
    pub fn start(state: AppState) -> Workers {
        let (stop, stopping) = watch::channel(false);
        let task = tokio::spawn(run_workers(state, stopping));
        Workers { stop, task }
    }

    /// Renews the leases of the runs this process answers inline (and stops
    /// those whose stop was asked) without claiming queued runs: what an
    /// HTTP-only process runs, so that no other process takes its runs for
    /// abandoned while they are still going.
    pub fn start_leases_only(state: AppState) -> Workers {
        let (stop, stopping) = watch::channel(false);
        let task = tokio::spawn(heartbeat(state, stopping));
        Workers { stop, task }
    }

    /// Stops claiming, and lets the runs under way finish within `grace`; runs
    /// still going after it are left to the next start's recovery (their blocks
    /// started: they end interrupted, and refunded).
    pub async fn shutdown(self, grace: Duration) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(grace, self.task).await.is_err() {
            tracing::warn!("runs did not finish within the grace period; they end interrupted and are refunded");
        }
    }
}

async fn run_workers(state: AppState, mut stopping: watch::Receiver<bool>) {
    let settings = state.settings().clone();
    let slots = Arc::new(Semaphore::new(settings.max_running_runs.max(1)));
    let mut running = JoinSet::new();
    let heartbeat = tokio::spawn(heartbeat(state.clone(), stopping.clone()));
    let callbacks = tokio::spawn(callbacks(state.clone(), stopping.clone()));
    let mut last_recovery = tokio::time::Instant::now();
    let queued_elsewhere = state.storage().queue_signal();
    let idle_poll = if queued_elsewhere.is_some() { IDLE_POLL_NOTIFIED } else { IDLE_POLL };
    while !stop_asked(&stopping) {
        while running.try_join_next().is_some() {}
        if last_recovery.elapsed() >= RECOVERY_EVERY.min(settings.run_lease) {
            last_recovery = tokio::time::Instant::now();
            match state.storage().recover(false).await {
                Ok(recovered) if recovered.requeued + recovered.interrupted > 0 => {
                    tracing::warn!(?recovered, "recovered runs whose worker stopped answering");
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "recovering stranded runs failed"),
            }
        }
        let free = slots.available_permits();
        let claimed = if free == 0 {
            Vec::new()
        } else {
            let limit = u32::try_from(free).unwrap_or(u32::MAX);
            let per_user = settings.runs_per_user.max(1);
            match state.storage().claim(state.run_hub().worker(), limit, per_user, settings.run_lease).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::error!(%error, "claiming runs failed");
                    Vec::new()
                }
            }
        };
        if claimed.is_empty() {
            tokio::select! {
                () = state.run_hub().woken() => {}
                () = queued_somewhere(queued_elsewhere.as_deref()) => {}
                () = tokio::time::sleep(idle_poll) => {}
                _ = stopping.changed() => {}  // then `stop_asked` is true, or it changed
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
            continue;
        }
        for run in claimed {
            // A graph run waits on its node runs, which need the slots: it
            // takes none (it would otherwise hold the places its nodes wait for).
            if run.kind == RunKind::Graph {
                let state = state.clone();
                running.spawn(async move { run_one(&state, run).await });
                continue;
            }
            let Ok(permit) = slots.clone().try_acquire_owned() else {
                release(&state, &run).await;
                continue;
            };
            let state = state.clone();
            running.spawn(async move {
                run_one(&state, run).await;
                drop(permit);
            });
        }
    }
    while running.join_next().await.is_some() {}
    heartbeat.abort();
    callbacks.abort();
}

/// Resolves when the storage says runs were queued (never, without a signal).
async fn queued_somewhere(signal: Option<&tokio::sync::Notify>) {
    match signal {
        Some(signal) => signal.notified().await,
        None => std::future::pending().await,
    }
}

/// Sends due completion callbacks, once a second (more often while there are
/// many).
async fn callbacks(state: AppState, mut stopping: watch::Receiver<bool>) {
    while !stop_asked(&stopping) {
        if super::callbacks::deliver_due(&state).await > 0 {
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stopping.changed() => {}
        }
    }
}

/// Runs one claimed run to its end.
async fn run_one(state: &AppState, run: Run) {
    if run.kind == RunKind::Graph {
        return super::graph_run::run_graph(state, run).await;
    }
    let Some(block) = state.registry().by_id(&run.block_id) else {
        let end = RunEnd {
            id: run.id.clone(),
            status: RunStatus::Failed,
            outputs: serde_json::Map::new(),
            truncated: Vec::new(),
            error: Some(format!("no block has the id `{}` any more", run.block_id)),
            charged: 0,
            finished_at: now_millis(),
        };
        if let Err(error) = state.storage().finish_run(end).await {
            tracing::error!(%error, run = %run.id, "recording a run's end failed");
        }
        return;
    };
    let id = run.id.clone();
    let mut input = run.input.clone();
    if let Err(message) = run_input::unseal(state.cipher(), block, &mut input) {
        // The key changed since the run was queued: it can never run.
        input = serde_json::Value::Null;
        tracing::error!(run = %id, %message, "a queued run's input could not be opened");
    }
    match RunDriver::start(state, run, block, input, Start::Claimed).await {
        Ok(mut driver) => {
            while driver.next().await.is_some() {}
            driver.finish().await;
            // The end is written in a group with others; wait for it, so that the
            // next claim sees this run's place free (the per-user limit counts
            // what the storage says is running).
            if let Err(error) = state.storage().flush().await {
                tracing::error!(%error, run = %id, "writing a run's end failed");
            }
        }
        Err(refusal) => tracing::info!(run = %id, code = refusal.code(), "a queued run did not start"),
    }
}

async fn release(state: &AppState, run: &Run) {
    if let Err(error) = state.storage().release(state.run_hub().worker(), &run.id).await {
        tracing::error!(%error, run = %run.id, "giving back a claimed run failed; its lease will expire");
    }
}

/// Renews the leases of the runs held here, and stops those whose stop was
/// asked (from any process).
async fn heartbeat(state: AppState, mut stopping: watch::Receiver<bool>) {
    let lease = state.settings().run_lease;
    let every = (lease / 3).max(Duration::from_millis(100));
    // Once the sender is gone, only the timer wakes this loop: a closed channel
    // answers at once, and would make it spin while runs are still held.
    let mut closed = false;
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            changed = stopping.changed(), if !closed => closed = changed.is_err(),
        }
        let held = state.run_hub().held();
        if !held.is_empty() {
            match state.storage().renew(state.run_hub().worker(), &held, lease).await {
                Ok(stop) => stop.iter().for_each(|id| {
                    state.run_hub().stop(id);
                }),
                Err(error) => tracing::error!(%error, "renewing the leases of running runs failed"),
            }
        }
        if stop_asked(&stopping) && state.run_hub().held().is_empty() {
            return;
        }
    }
}

/// Whether the workers were told to stop, or their handle is gone (dropped
/// without [`Workers::shutdown`]): either way no new run is claimed.
fn stop_asked(stopping: &watch::Receiver<bool>) -> bool {
    *stopping.borrow() || stopping.has_changed().is_err()
}
