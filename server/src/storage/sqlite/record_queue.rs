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

use super::run_rows::{self, RunRow};
use super::{database, runs};
use crate::domain::{Run, RunEvent};
use crate::storage::{RunEnd, StorageError};

/// Most writes committed in one transaction.
const MAX_GROUP: usize = 2048;

/// Shortest time between two commits while writes keep coming.
const MIN_INTERVAL: Duration = Duration::from_millis(2);

type Reply = oneshot::Sender<Result<(), StorageError>>;

/// One queued write.
pub(super) enum Write {
    /// A run answered inline, stored running, held by `worker` until
    /// `lease_until` (or, once its end was folded in, stored ended and held by
    /// nobody).
    Run {
        /// The run.
        run: Box<Run>,
        /// Its worker and the end of its lease (Unix milliseconds).
        lease: Option<(String, i64)>,
        /// Its events, once its end was folded in (see [`fold_ends`]).
        events: Vec<RunEvent>,
    },
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

/// Folds the end of a run into the row written for it in the same group: one
/// insert of the ended run instead of an insert and an update of the same row
/// (most runs answered inline start and end within one commit), and its events
/// of the group onto that row instead of a row each. The group is committed as a
/// whole, so no reader could have seen the row or its events in between; if it
/// is retried write by write, the folded row still says the same.
fn fold_ends(writes: &mut [Write]) {
    // Each inline run's row in the group, and the event writes of that run alone.
    let mut rows: foldhash::HashMap<String, (usize, Vec<usize>)> = foldhash::HashMap::default();
    for index in 0..writes.len() {
        let (row, pending) = match &writes[index] {
            Write::Run { run, lease: Some(_), .. } => {
                rows.insert(run.id.clone(), (index, Vec::new()));
                continue;
            }
            Write::Events(events) => {
                if let Some(first) = events.first()
                    && events.iter().all(|event| event.run_id == first.run_id)
                    && let Some((_, pending)) = rows.get_mut(&first.run_id)
                {
                    pending.push(index);
                }
                continue;
            }
            Write::End(end) => match rows.remove(&end.id) {
                Some(found) => found,
                None => continue,
            },
            _ => continue,
        };
        let Write::End(end) = std::mem::replace(&mut writes[index], Write::Nothing) else { continue };
        let mut folded = Vec::new();
        for pending in pending {
            if let Write::Events(events) = std::mem::replace(&mut writes[pending], Write::Nothing) {
                folded.extend(events);
            }
        }
        // As rows in run_events: in order, a repeated number keeping the first.
        folded.sort_by_key(|event| event.seq);
        folded.dedup_by_key(|event| event.seq);
        if let Write::Run { run, lease, events } = &mut writes[row] {
            run.status = end.status;
            run.outputs = end.outputs;
            run.truncated = end.truncated;
            run.error = end.error;
            run.charged = end.charged;
            run.finished_at = Some(end.finished_at);
            *lease = None;
            *events = folded;
        }
    }
}

/// Takes out of `writes` the rows of runs still running, queued at `from` or
/// later, with their events of this group: written with the next group
/// instead (or after [`MIN_INTERVAL`], if nothing else comes), where most of
/// them meet their end and [`fold_ends`] makes one row of each. A run answered
/// inline usually ends within microseconds, but one that started just before a
/// group was taken ends in the next; written now, it would cost a row stored
/// running, a row per event, and an update of the row when it ends. Held once
/// only: a row carried from the last group is written whatever its state.
///
/// A run is not held when any other write of the group names it (an event
/// write of several runs), so that its writes keep their order.
fn hold_back(writes: &mut [Write], from: usize) -> Vec<Write> {
    // Each running row's index, and those of the event writes of that run alone.
    let mut rows: foldhash::HashMap<&str, (usize, Vec<usize>)> = foldhash::HashMap::default();
    let mut named: foldhash::HashSet<&str> = foldhash::HashSet::default();
    for (index, write) in writes.iter().enumerate().skip(from) {
        match write {
            Write::Run { run, lease: Some(_), .. } => {
                rows.insert(&run.id, (index, Vec::new()));
            }
            Write::Events(events) => {
                let alone = events.first().and_then(|first| {
                    events.iter().all(|event| event.run_id == first.run_id).then_some(first.run_id.as_str())
                });
                match alone.and_then(|id| rows.get_mut(id)) {
                    Some((_, pending)) => pending.push(index),
                    None => named.extend(events.iter().map(|event| event.run_id.as_str())),
                }
            }
            Write::End(end) => {
                named.insert(&end.id);
            }
            Write::Run { .. } | Write::Nothing => {}
        }
    }
    let mut taken: Vec<usize> = rows
        .into_iter()
        .filter(|(id, _)| !named.contains(id))
        .flat_map(|(_, (row, pending))| std::iter::once(row).chain(pending))
        .collect();
    taken.sort_unstable();
    taken.into_iter().map(|index| std::mem::replace(&mut writes[index], Write::Nothing)).collect()
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
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::domain::{RunKind, RunSource, RunStatus};

    fn run(id: &str) -> Write {
        let run = Run {
            id: id.to_owned(),
            kind: RunKind::Block,
            user_id: "u".to_owned(),
            block_id: "b".to_owned(),
            parent_id: None,
            source: RunSource::Api,
            source_ref: None,
            status: RunStatus::Running,
            input: Value::Null,
            outputs: Map::new(),
            truncated: Vec::new(),
            error: None,
            charged: 0,
            created_at: 1,
            started_at: Some(1),
            finished_at: None,
            callback_url: None,
        };
        Write::Run { run: Box::new(run), lease: Some(("w".to_owned(), 9)), events: Vec::new() }
    }

    fn events(id: &str, seqs: &[u64]) -> Write {
        Write::Events(
            seqs.iter()
                .map(|&seq| RunEvent { run_id: id.to_owned(), seq, name: "e".to_owned(), data: json!(seq), at: 2 })
                .collect(),
        )
    }

    fn end(id: &str) -> Write {
        Write::End(Box::new(RunEnd {
            id: id.to_owned(),
            status: RunStatus::Completed,
            outputs: Map::new(),
            truncated: Vec::new(),
            error: None,
            charged: 3,
            finished_at: 4,
        }))
    }

    #[test]
    fn a_run_begun_and_ended_in_one_group_is_one_row_carrying_its_events() {
        let mut writes =
            vec![run("a"), events("a", &[1]), run("b"), events("b", &[1]), events("a", &[3, 2, 2]), end("a")];
        fold_ends(&mut writes);
        let Write::Run { run, lease, events } = &writes[0] else { panic!("the row stays first") };
        assert_eq!(
            (run.status, run.charged, run.finished_at, lease.is_none()),
            (RunStatus::Completed, 3, Some(4), true)
        );
        assert_eq!(events.iter().map(|event| event.seq).collect::<Vec<_>>(), [1, 2, 3], "in order, once each");
        assert!(matches!(writes[1], Write::Nothing) && matches!(writes[4], Write::Nothing));
        assert!(matches!(writes[5], Write::Nothing), "the end is on the row");
        // b did not end in this group: stored running, its events as rows.
        assert!(matches!(&writes[2], Write::Run { lease: Some(_), events, .. } if events.is_empty()));
        assert!(matches!(&writes[3], Write::Events(events) if events.len() == 1));
    }

    #[test]
    fn events_of_a_run_stored_earlier_or_of_several_runs_stay_rows() {
        let mut writes = vec![
            events("a", &[1]),
            run("b"),
            events("b", &[1]),
            end("a"),
            {
                let Write::Events(mut mixed) = events("b", &[2]) else { unreachable!() };
                let Write::Events(other) = events("c", &[1]) else { unreachable!() };
                mixed.extend(other);
                Write::Events(mixed)
            },
            end("b"),
        ];
        fold_ends(&mut writes);
        assert!(matches!(writes[0], Write::Events(_)), "a's row was written before this group");
        assert!(matches!(writes[3], Write::End(_)), "so its end is an update");
        assert!(matches!(writes[4], Write::Events(ref events) if events.len() == 2), "a write of two runs stays");
        let Write::Run { events, lease, .. } = &writes[1] else { panic!("b's row") };
        assert_eq!((events.len(), lease.is_none()), (1, true));
    }

    #[test]
    fn a_running_row_without_its_end_is_held_with_its_events_for_the_next_group() {
        // c's row was carried from the last group: written whatever its state.
        let mut writes = vec![run("c"), run("a"), events("a", &[1]), run("b"), events("b", &[1]), end("b")];
        fold_ends(&mut writes);
        let held = hold_back(&mut writes, 1);
        assert_eq!(held.len(), 2, "a's row and its events");
        assert!(matches!(&held[0], Write::Run { run, lease: Some(_), .. } if run.id == "a"));
        assert!(matches!(&held[1], Write::Events(events) if events[0].run_id == "a"));
        assert!(matches!(&writes[0], Write::Run { run, lease: Some(_), .. } if run.id == "c"), "carried rows stay");
        assert!(matches!(&writes[3], Write::Run { run, lease: None, .. } if run.id == "b"), "b ended: written");
        assert!(matches!(writes[1], Write::Nothing) && matches!(writes[2], Write::Nothing));
    }

    #[test]
    fn a_run_another_write_names_is_not_held() {
        let Write::Events(mut mixed) = events("a", &[2]) else { unreachable!() };
        let Write::Events(other) = events("z", &[1]) else { unreachable!() };
        mixed.extend(other);
        let mut writes = vec![run("a"), events("a", &[1]), Write::Events(mixed)];
        fold_ends(&mut writes);
        assert!(hold_back(&mut writes, 0).is_empty(), "its writes keep their order");
        assert!(matches!(writes[0], Write::Run { .. }) && matches!(writes[1], Write::Events(_)));
    }

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
