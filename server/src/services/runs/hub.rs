//! What this process knows of the runs it holds: a stop signal and a live
//! channel of events per run, and a wake-up for the workers when a run is
//! queued here. Runs held by other processes are followed through the storage.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use tokio::sync::{Notify, broadcast};

use crate::domain::{RunEvent, new_id};

/// Events buffered per live run for followers that fall behind (they then read
/// the rest from the storage).
const LIVE_BUFFER: usize = 256;

/// Asks a running run to stop.
#[derive(Debug, Clone, Default)]
pub struct StopSignal(Arc<(AtomicBool, Notify)>);

impl StopSignal {
    /// Asks the run to stop.
    pub fn stop(&self) {
        self.0.0.store(true, Ordering::Release);
        self.0.1.notify_waiters();
    }

    /// Whether a stop was asked.
    pub fn is_stopped(&self) -> bool {
        self.0.0.load(Ordering::Acquire)
    }

    /// Resolves once a stop is asked.
    pub async fn stopped(&self) {
        loop {
            let notified = self.0.1.notified();
            if self.is_stopped() {
                return;
            }
            notified.await;
        }
    }
}

/// The live channel of a run's events, made when the first follower comes: most
/// runs (an execute answered inline, a queued run nobody watches) never have
/// one, and a channel costs a buffer of [`LIVE_BUFFER`] slots.
///
/// No event falls between the storage and the channel: the run stores each
/// event before it looks for the channel, and a follower makes the channel
/// before it reads the storage.
#[derive(Debug, Clone, Default)]
pub struct LiveEvents(Arc<OnceLock<broadcast::Sender<RunEvent>>>);

impl LiveEvents {
    /// Sends `event` to the followers, if there are any.
    pub fn send(&self, event: RunEvent) {
        if let Some(sender) = self.0.get() {
            let _ = sender.send(event);
        }
    }

    /// Whether anyone follows (or followed) the run: otherwise there is nothing
    /// to send, and an event need not be copied for it.
    pub fn followed(&self) -> bool {
        self.0.get().is_some()
    }

    fn subscribe(&self) -> broadcast::Receiver<RunEvent> {
        self.0.get_or_init(|| broadcast::channel(LIVE_BUFFER).0).subscribe()
    }
}

struct Active {
    stop: StopSignal,
    live: LiveEvents,
}

/// The runs this process holds.
pub struct RunHub {
    worker: String,
    active: Mutex<foldhash::HashMap<String, Active>>,
    wake: Notify,
}

impl std::fmt::Debug for RunHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunHub").field("worker", &self.worker).finish_non_exhaustive()
    }
}

impl Default for RunHub {
    fn default() -> Self {
        RunHub { worker: format!("worker-{}", new_id()), active: Mutex::default(), wake: Notify::new() }
    }
}

impl RunHub {
    /// This process's name on the leases it holds.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    /// Registers run `id` as held here; its stop signal and live channel.
    pub fn hold(&self, id: &str) -> (StopSignal, LiveEvents) {
        let mut active = self.active.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = active
            .entry(id.to_owned())
            .or_insert_with(|| Active { stop: StopSignal::default(), live: LiveEvents::default() });
        (entry.stop.clone(), entry.live.clone())
    }

    /// Forgets run `id` (it ended here).
    pub fn release(&self, id: &str) {
        self.active.lock().unwrap_or_else(PoisonError::into_inner).remove(id);
    }

    /// The ids of the runs held here.
    pub fn held(&self) -> Vec<String> {
        self.active.lock().unwrap_or_else(PoisonError::into_inner).keys().cloned().collect()
    }

    /// Asks run `id` to stop, if it is held here; whether it was.
    pub fn stop(&self, id: &str) -> bool {
        match self.active.lock().unwrap_or_else(PoisonError::into_inner).get(id) {
            Some(active) => {
                active.stop.stop();
                true
            }
            None => false,
        }
    }

    /// The live events of run `id`, if it is held here.
    pub fn follow(&self, id: &str) -> Option<broadcast::Receiver<RunEvent>> {
        self.active.lock().unwrap_or_else(PoisonError::into_inner).get(id).map(|active| active.live.subscribe())
    }

    /// Wakes the workers: a run was queued.
    pub fn wake(&self) {
        self.wake.notify_waiters();
    }

    /// Resolves when the workers are woken.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }
}
