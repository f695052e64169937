//! Run writes that every run makes, committed in groups by one task: rows of
//! runs answered inline, their events, and how runs ended (the same design as
//! the SQLite backend's queue: one transaction per write would make the
//! database the limit of every execution, and a network round trip per write
//! more so).
//!
//! A write is taken at the call and the caller gets a [`Written`] that resolves
//! once it is committed; writes are applied in the order they were queued (a
//! run's row before its events, its events before its end). A failed group is
//! retried one write at a time, so one bad row loses only itself.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use deadpool_postgres::{GenericClient, Pool};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::runs;
use crate::domain::{Run, RunEvent};
use crate::storage::{RunEnd, StorageError};

/// Most writes committed in one transaction.
const MAX_GROUP: usize = 2048;

/// Shortest time between two commits while writes keep coming.
const MIN_INTERVAL: Duration = Duration::from_millis(2);

type Reply = oneshot::Sender<Result<(), StorageError>>;

/// One queued write.
pub(super) enum Write {
    /// A run answered inline, stored running, held by `worker` until `lease_until`.
    Run { run: Box<Run>, worker: String, lease_until: i64 },
    /// Events of runs.
    Events(Vec<RunEvent>),
    /// How a run ended.
    End(Box<RunEnd>),
    /// Nothing: a flush marker.
    Nothing,
}

struct Message {
    write: Write,
    reply: Option<Reply>,
}

/// The queue in front of the writer task.
pub(super) struct RecordQueue {
    sender: mpsc::UnboundedSender<Message>,
}

/// Resolves when a queued write is committed (or failed to be). Dropping it
/// leaves the write queued.
pub(super) struct Written(oneshot::Receiver<Result<(), StorageError>>);

impl Future for Written {
    type Output = Result<(), StorageError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|answer| answer.unwrap_or_else(|_| Err(StorageError::unavailable("the record writer stopped"))))
    }
}

impl RecordQueue {
    /// Starts the writer task on `pool`. It ends once the queue is dropped and
    /// everything queued is written.
    pub(super) fn start(pool: Pool) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(write_groups(pool, receiver));
        RecordQueue { sender }
    }

    /// Queues `write`; the answer resolves once it is committed.
    pub(super) fn push(&self, write: Write) -> Written {
        let (reply, written) = oneshot::channel();
        // A send fails only when the task is gone; `Written` then says so.
        let _ = self.sender.send(Message { write, reply: Some(reply) });
        Written(written)
    }

    /// Queues `write` for a caller that does not wait (a failure is logged).
    pub(super) fn push_detached(&self, write: Write) {
        let _ = self.sender.send(Message { write, reply: None });
    }

    /// Resolves once everything queued before it is written.
    pub(super) fn flush(&self) -> Written {
        self.push(Write::Nothing)
    }
}

async fn write_groups(pool: Pool, mut receiver: mpsc::UnboundedReceiver<Message>) {
    let mut last_commit: Option<Instant> = None;
    while let Some(first) = receiver.recv().await {
        if let Some(at) = last_commit {
            tokio::time::sleep_until(at + MIN_INTERVAL).await;
        }
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(message) => group.push(message),
                Err(_) => break,
            }
        }
        last_commit = Some(Instant::now());
        let mut writes = Vec::with_capacity(group.len());
        let mut replies = Vec::with_capacity(group.len());
        for Message { write, reply } in group {
            replies.extend(reply);
            writes.push(write);
        }
        let result = write_all(&pool, &writes).await;
        if let Err(error) = &result {
            tracing::error!(%error, writes = writes.len(), "writing run records failed");
        }
        for reply in replies {
            let _ = reply.send(result.clone());
        }
    }
}

/// Writes `writes` in one transaction, or else one by one.
async fn write_all(pool: &Pool, writes: &[Write]) -> Result<(), StorageError> {
    if writes.iter().all(|write| matches!(write, Write::Nothing)) {
        return Ok(());
    }
    let mut client = pool.get().await?;
    let together = async {
        let tx = client.transaction().await?;
        for write in writes {
            apply(&tx, write).await?;
        }
        tx.commit().await?;
        Ok::<(), StorageError>(())
    }
    .await;
    if together.is_ok() || writes.len() == 1 {
        return together;
    }
    let mut first_error = None;
    for write in writes {
        if let Err(error) = apply(&client, write).await {
            first_error.get_or_insert(error);
        }
    }
    first_error.map_or(Ok(()), Err)
}

async fn apply(client: &impl GenericClient, write: &Write) -> Result<(), StorageError> {
    match write {
        Write::Run { run, worker, lease_until } => {
            runs::insert_leased(client, run, Some(worker), Some(*lease_until)).await
        }
        Write::Events(events) => runs::insert_events(client, events).await,
        Write::End(end) => runs::end(client, end).await,
        Write::Nothing => Ok(()),
    }
}
