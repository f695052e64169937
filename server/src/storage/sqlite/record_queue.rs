//! Execution records, written in groups by one thread.
//!
//! A busy server ends thousands of runs a second; one transaction per record would
//! make the database the limit of every execution. [`RecordQueue::push`] queues a
//! record and returns at once; the writer thread takes everything queued, keeps
//! only the latest state of each execution (a run that started and ended between
//! two commits is one row write), and commits the lot in one transaction on the
//! storage's write connection. Whoever needs a record on disk awaits the
//! returned [`Written`] (or [`RecordQueue::flush`]).
//!
//! The channel is unbounded: the thread drains up to 1,024 rows a commit, far more
//! than runs end, but a stalled disk lets it grow. A failed group is retried one
//! record at a time, so one bad row loses only itself, and the failure is logged.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::{database, executions};
use crate::domain::ExecutionRecord;
use crate::storage::StorageError;

/// Most records committed in one transaction.
const MAX_GROUP: usize = 1024;

/// Shortest time between two commits while records keep coming.
const MIN_INTERVAL: Duration = Duration::from_millis(2);

type Reply = oneshot::Sender<Result<(), StorageError>>;

/// A queued record (or none: a flush marker) and who waits for its commit.
struct Message {
    record: Option<ExecutionRecord>,
    reply: Option<Reply>,
}

/// The queue in front of the writer thread.
pub(super) struct RecordQueue {
    sender: Sender<Message>,
}

/// Resolves when a queued record is committed (or failed to be). Dropping it
/// leaves the record queued.
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
    /// Starts the writer thread on `writer`. The thread ends once the queue is
    /// dropped and everything queued is written.
    pub(super) fn start(writer: Arc<Mutex<Connection>>) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("blocks-records".to_owned())
            .spawn(move || write_groups(&writer, &receiver))?;
        Ok(RecordQueue { sender })
    }

    /// Queues `record` (replacing a queued state of the same execution).
    pub(super) fn push(&self, record: ExecutionRecord) -> Written {
        self.send_waiting(Some(record))
    }

    /// Queues `record` for a caller that does not wait (a failure is logged).
    pub(super) fn push_detached(&self, record: ExecutionRecord) {
        self.send(Message { record: Some(record), reply: None });
    }

    /// Resolves once everything queued before it is written.
    pub(super) fn flush(&self) -> Written {
        self.send_waiting(None)
    }

    fn send_waiting(&self, record: Option<ExecutionRecord>) -> Written {
        let (reply, written) = oneshot::channel();
        // A send fails only when the thread is gone; `Written` then says so.
        self.send(Message { record, reply: Some(reply) });
        Written(written)
    }

    fn send(&self, message: Message) {
        let _ = self.sender.send(message);
    }
}

fn write_groups(writer: &Mutex<Connection>, receiver: &Receiver<Message>) {
    let mut last_commit: Option<Instant> = None;
    while let Ok(first) = receiver.recv() {
        let mut group = vec![first];
        // Busy (the last commit was just now): let records gather until the
        // interval is over, so that one commit carries many. Sleeping, not waiting
        // on the channel, so that senders do not wake this thread one by one.
        // Idle: write at once.
        if let Some(wait) = last_commit.and_then(|at| (at + MIN_INTERVAL).checked_duration_since(Instant::now())) {
            std::thread::sleep(wait);
        }
        group.extend(receiver.try_iter().take(MAX_GROUP));
        last_commit = Some(Instant::now());
        let mut records = Vec::with_capacity(group.len());
        let mut replies = Vec::with_capacity(group.len());
        for Message { record, reply } in group {
            replies.extend(reply);
            records.extend(record);
        }
        // Only the latest state of each execution is written.
        let latest: HashMap<&str, usize> =
            records.iter().enumerate().map(|(index, record)| (record.id.as_str(), index)).collect();
        let kept: Vec<&ExecutionRecord> = records
            .iter()
            .enumerate()
            .filter(|(index, record)| latest[record.id.as_str()] == *index)
            .map(|(_, record)| record)
            .collect();
        let result = write(writer, &kept);
        if let Err(error) = &result {
            tracing::error!(%error, records = kept.len(), "writing execution records failed");
        }
        for reply in replies {
            let _ = reply.send(result.clone());
        }
    }
}

/// Writes `records` in one transaction, or else one by one.
fn write(writer: &Mutex<Connection>, records: &[&ExecutionRecord]) -> Result<(), StorageError> {
    if records.is_empty() {
        return Ok(());
    }
    let mut conn = writer.lock().unwrap_or_else(PoisonError::into_inner);
    let together = (|| {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        executions::record_all(&tx, records.iter().copied())?;
        tx.commit()
    })();
    if together.is_ok() || records.len() == 1 {
        return together.map_err(database);
    }
    let mut first_error = None;
    for record in records {
        if let Err(error) = executions::record(&conn, record) {
            first_error.get_or_insert(error);
        }
    }
    first_error.map_or(Ok(()), |error| Err(database(error)))
}
