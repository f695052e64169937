//! Run writes that every run makes, committed in groups by one thread: rows of
//! runs answered inline, their events, and how runs ended.
//!
//! A busy server ends thousands of runs a second; one transaction per write
//! would make the database the limit of every execution. [`RecordQueue`] takes a
//! write and returns at once; the writer thread takes everything queued and
//! commits it in one transaction on the storage's write connection, each run's
//! writes in the order they were queued (its row before its events, its events
//! before its end). A run still running when its group is taken has its row held
//! for the next group, where it usually meets its end (see [`hold_back`]).
//! Whoever needs a write on disk awaits the returned [`Written`] (or
//! [`RecordQueue::flush`]); a group anyone waits on holds nothing back.
//!
//! The channel is unbounded: the thread drains up to 2,048 writes a commit, far
//! more than runs make, but a stalled disk lets it grow. A failed group is
//! retried one write at a time, so one bad row loses only itself, and the
//! failure is logged.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::record_groups::Write;
use super::record_groups::{fold_ends, hold_back};
use super::run_rows::{self, RunRow};
use super::{database, runs};
use crate::storage::StorageError;

/// Most writes committed in one transaction.
const MAX_GROUP: usize = 2048;

/// Shortest time between two commits while writes keep coming.
pub(super) const MIN_INTERVAL: Duration = Duration::from_millis(2);

type Reply = oneshot::Sender<Result<(), StorageError>>;

struct Message {
    write: Write,
    reply: Option<Reply>,
}

/// The queue in front of the writer thread.
pub(super) struct RecordQueue {
    sender: Sender<Message>,
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
    /// Starts the writer thread on `writer`. The thread ends once the queue is
    /// dropped and everything queued is written.
    pub(super) fn start(writer: Arc<Mutex<Connection>>) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("blocks-records".to_owned())
            .spawn(move || write_groups(&writer, &receiver))?;
        Ok(RecordQueue { sender })
    }

    /// Queues `write`; the answer resolves once it is committed.
    pub(super) fn push(&self, write: Write) -> Written {
        let (reply, written) = oneshot::channel();
        // A send fails only when the thread is gone; `Written` then says so.
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

fn write_groups(writer: &Mutex<Connection>, receiver: &Receiver<Message>) {
    let mut last_commit: Option<Instant> = None;
    // Rows of running runs held back from the last group (see [`hold_back`]).
    let mut held: Vec<Write> = Vec::new();
    loop {
        let first = if held.is_empty() {
            match receiver.recv() {
                Ok(first) => Some(first),
                Err(_) => break,
            }
        } else {
            // Held rows wait for one interval at most.
            match receiver.recv_timeout(MIN_INTERVAL) {
                Ok(first) => Some(first),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    // Logged there; nobody waits on a held row.
                    let _ = write_logged(writer, &mut held);
                    break;
                }
            }
        };
        // Busy (the last commit was just now): let writes gather until the
        // interval is over, so that one commit carries many. Sleeping, not waiting
        // on the channel, so that senders do not wake this thread one by one.
        // Idle: write at once.
        if first.is_some()
            && let Some(wait) = last_commit.and_then(|at| (at + MIN_INTERVAL).checked_duration_since(Instant::now()))
        {
            std::thread::sleep(wait);
        }
        let mut writes = std::mem::take(&mut held);
        let carried = writes.len();
        let mut replies = Vec::new();
        for Message { write, reply } in first.into_iter().chain(receiver.try_iter().take(MAX_GROUP)) {
            replies.extend(reply);
            writes.push(write);
        }
        last_commit = Some(Instant::now());
        fold_ends(&mut writes);
        // Nobody waits on this group (a flush or an awaited write would): rows
        // of runs still running wait for their end in the next one.
        if replies.is_empty() {
            held = hold_back(&mut writes, carried);
        }
        let result = write_logged(writer, &mut writes);
        for reply in replies {
            let _ = reply.send(result.clone());
        }
    }
}

/// [`write_all`], a failure logged.
fn write_logged(writer: &Mutex<Connection>, writes: &mut [Write]) -> Result<(), StorageError> {
    let result = write_all(writer, writes);
    if let Err(error) = &result {
        tracing::error!(%error, writes = writes.len(), "writing run records failed");
    }
    result
}

/// Writes `writes` in one transaction, or else one by one.
fn write_all(writer: &Mutex<Connection>, writes: &mut [Write]) -> Result<(), StorageError> {
    if writes.iter().all(|write| matches!(write, Write::Nothing)) {
        return Ok(());
    }
    let mut conn = writer.lock().unwrap_or_else(PoisonError::into_inner);
    let together = (|| {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Runs in a row (most of a group, once ends are folded) go in together.
        let mut rows = Vec::new();
        for write in writes.iter() {
            match run_row(write) {
                Some(row) => rows.push(row),
                None if matches!(write, Write::Nothing) => {}
                None => {
                    run_rows::insert_rows(&tx, &rows)?;
                    rows.clear();
                    apply(&tx, write)?;
                }
            }
        }
        run_rows::insert_rows(&tx, &rows)?;
        tx.commit()
    })();
    if together.is_ok() || writes.len() == 1 {
        return together.map_err(database);
    }
    let mut first_error = None;
    for write in writes.iter() {
        if let Err(error) = apply(&conn, write) {
            first_error.get_or_insert(error);
        }
    }
    first_error.map_or(Ok(()), |error| Err(database(error)))
}

/// The row a run write inserts; `None` for any other write.
fn run_row(write: &Write) -> Option<RunRow<'_>> {
    let Write::Run { run, lease, events } = write else { return None };
    let (worker, until) = lease.as_ref().map_or((None, None), |(worker, until)| (Some(worker.as_str()), Some(*until)));
    Some(RunRow::new(run, worker, until, events))
}

fn apply(conn: &Connection, write: &Write) -> rusqlite::Result<()> {
    if let Some(row) = run_row(write) {
        return run_rows::insert_rows(conn, &[row]);
    }
    match write {
        Write::Run { .. } | Write::Nothing => Ok(()),
        Write::Events(events) => runs::insert_events(conn, events),
        Write::End(end) => runs::end(conn, end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::record_groups::tests::{end, events, run};

    fn stored_runs(writer: &Mutex<Connection>) -> Vec<(String, String, Option<String>)> {
        let conn = writer.lock().expect("the connection");
        conn.prepare("SELECT id, status, events FROM runs ORDER BY id")
            .expect("a query")
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("readable")
    }

    #[test]
    fn a_held_row_is_written_when_nothing_else_comes_and_a_flush_writes_it_at_once() {
        let mut conn = Connection::open_in_memory().expect("an in-memory database");
        super::super::migrations::migrate(&mut conn).expect("the schema");
        let writer = Arc::new(Mutex::new(conn));
        let queue = RecordQueue::start(writer.clone()).expect("the writer thread");
        // Alone in its group, a running row is held, then written running.
        queue.push_detached(run("a"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while stored_runs(&writer).is_empty() {
            assert!(Instant::now() < deadline, "the held row was never written");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(stored_runs(&writer), [("a".to_owned(), "running".to_owned(), None)]);
        // A row whose end comes within the next group is one row, ended.
        queue.push_detached(run("b"));
        queue.push_detached(events("b", &[1]));
        queue.push_detached(end("b"));
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        runtime.block_on(queue.flush()).expect("flushed");
        let rows = stored_runs(&writer);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[1].1.as_str(), rows[1].2.is_some()), ("completed", true), "{rows:?}");
        // A flush never leaves a row held.
        queue.push_detached(run("c"));
        runtime.block_on(queue.flush()).expect("flushed");
        assert_eq!(stored_runs(&writer).len(), 3, "c is written by the flush that followed it");
    }
}
