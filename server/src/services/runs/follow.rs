//! Following a run's events: every stored event after the one a client last saw
//! (its `Last-Event-ID`), then the live ones as they come, until the event that
//! says how the run ended. A run held by this process is followed live; one held
//! by another process (or still queued) through the storage, looked at four
//! times a second.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::Stream;
use tokio::sync::broadcast;

use crate::domain::RunEvent;
use crate::services::{AppState, ServiceError};

/// How often a run not followed live is looked at.
const POLL: Duration = Duration::from_millis(250);

/// Stored events read at once.
const PAGE: u32 = 256;

struct Follower {
    state: AppState,
    run_id: String,
    last: u64,
    live: Option<broadcast::Receiver<RunEvent>>,
    buffer: VecDeque<RunEvent>,
    done: bool,
}

/// The events of run `run_id` after event `after` (0: all), ending with its
/// `run.end` event. The caller checks that the run is the user's.
pub fn follow(
    state: AppState,
    run_id: String,
    after: u64,
) -> impl Stream<Item = Result<RunEvent, ServiceError>> + Send {
    let follower = Follower { state, run_id, last: after, live: None, buffer: VecDeque::new(), done: false };
    futures_util::stream::unfold(follower, |mut follower| async move {
        match follower.next().await {
            Ok(Some(event)) => Some((Ok(event), follower)),
            Ok(None) => None,
            Err(error) => {
                follower.done = true;
                Some((Err(error), follower))
            }
        }
    })
}

impl Follower {
    async fn next(&mut self) -> Result<Option<RunEvent>, ServiceError> {
        loop {
            while let Some(event) = self.buffer.pop_front() {
                if event.seq <= self.last {
                    continue;
                }
                self.last = event.seq;
                if event.name == RunEvent::END {
                    self.done = true;
                    self.buffer.clear();
                }
                return Ok(Some(event));
            }
            if self.done {
                return Ok(None);
            }
            // Subscribed before reading the storage, so nothing falls between.
            if self.live.is_none() {
                self.live = self.state.run_hub().follow(&self.run_id);
            }
            let stored = self.state.storage().events(&self.run_id, self.last, PAGE).await?;
            if !stored.is_empty() {
                self.buffer.extend(stored);
                continue;
            }
            match self.live.as_mut() {
                Some(live) => match tokio::time::timeout(Duration::from_secs(1), live.recv()).await {
                    Ok(Ok(event)) => self.buffer.push_back(event),
                    // Fell behind: the storage has what was missed.
                    Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
                    Ok(Err(broadcast::error::RecvError::Closed)) => self.live = None,
                    Err(_) => {}
                },
                None => tokio::time::sleep(POLL).await,
            }
        }
    }
}
