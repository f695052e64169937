//! The storage traits on one SQLite file in the data directory.
//!
//! WAL journal (readers never wait for the writer, and a crash loses nothing
//! committed), foreign keys on, a busy timeout so that `block-server keys ...` can
//! run beside a serving process, and the migrations applied at open.
//!
//! Connections: one writes (SQLite serialises writers anyway), a few more only
//! read, so that reads never queue behind a write. Every call runs on tokio's
//! blocking pool, never on a runtime worker: a SQLite call blocks its thread
//! (file locks, disk reads, the busy timeout), and a blocked worker stalls every
//! task scheduled on it. Each call is a short transaction on a prepared statement
//! kept in the connection's cache; a transaction that reads and then writes
//! begins `IMMEDIATE`, taking the write lock first, so that two processes cannot
//! both read a balance and both spend it. The writes every run makes (its
//! events, its end, the row of a free run answered inline) go through
//! [`record_queue`] and are committed in groups.
//!
//! SQL text here is constant: every value a caller sends is a bound parameter.

mod accounts;
mod credentials;
mod credits;
mod graphs;
mod key_marker;
mod migrations;
mod oauth;
mod polls;
mod record_groups;
mod record_queue;
mod requests;
mod run_queue;
mod run_rows;
mod runs;
mod schedules;
mod settings;
mod store;
mod store_lists;
mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, Params};

use self::key_marker::KeyMarker;
use self::record_queue::RecordQueue;
use super::{StorageError, StorageErrorKind};

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "blocks.sqlite3";

/// Read-only connections beside the writer.
const READERS: usize = 4;

/// Prepared statements kept per connection (the storage has about 60 queries).
const STATEMENT_CACHE: usize = 96;

/// The SQLite storage. Cheap to clone.
#[derive(Clone)]
pub struct SqliteStorage {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Arc<Mutex<Connection>>,
    readers: Box<[Mutex<Connection>]>,
    next_reader: AtomicUsize,
    records: RecordQueue,
    keys: KeyMarker,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStorage").field("path", &self.inner.path).finish_non_exhaustive()
    }
}

/// `execute` and `query_row` on the connection's statement cache: the storage runs
/// the same few queries all the time, and preparing one costs more than running it.
pub(super) trait Cached {
    /// Like [`Connection::execute`], on a cached statement.
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;

    /// Like [`Connection::query_row`], on a cached statement.
    fn query_row_cached<T, P: Params, F>(&self, sql: &str, params: P, row: F) -> rusqlite::Result<T>
    where
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn query_row_cached<T, P: Params, F>(&self, sql: &str, params: P, row: F) -> rusqlite::Result<T>
    where
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, row)
    }
}

/// A conversion error for a column holding something unreadable.
pub(super) fn corrupt(column: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, message.into())
}

/// A rusqlite error as a [`StorageError`], keeping SQLite's extended code.
fn database(error: rusqlite::Error) -> StorageError {
    let (kind, code) = match &error {
        rusqlite::Error::SqliteFailure(failure, _) => {
            let kind = match failure.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StorageErrorKind::Busy,
                ErrorCode::ConstraintViolation => StorageErrorKind::Constraint,
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StorageErrorKind::Corrupt,
                _ => StorageErrorKind::Other,
            };
            (kind, Some(format!("SQLITE_{:?} ({})", failure.code, failure.extended_code)))
        }
        rusqlite::Error::FromSqlConversionFailure(..) | rusqlite::Error::InvalidColumnType(..) => {
            (StorageErrorKind::Corrupt, None)
        }
        _ => (StorageErrorKind::Other, None),
    };
    StorageError::new(kind, code, format!("the database failed: {error}"))
}

impl SqliteStorage {
    /// Opens (creating if needed) `data_dir/blocks.sqlite3` and migrates it.
    /// Blocks the calling thread (file I/O): call it at start-up, or from
    /// `spawn_blocking`.
    pub fn open(data_dir: &Path) -> Result<Self, StorageError> {
        let path = data_dir.join(DATABASE_FILE);
        let failed = |reason: String| StorageError::open(&path.display().to_string(), reason);
        let mut writer = connect(&path, OpenFlags::default()).map_err(|error| failed(error.to_string()))?;
        let mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(|error| failed(error.to_string()))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(failed(format!("the file system refused the WAL journal (got `{mode}`)")));
        }
        for (pragma, value) in [("synchronous", "NORMAL"), ("foreign_keys", "ON")] {
            writer.pragma_update(None, pragma, value).map_err(|error| failed(error.to_string()))?;
        }
        migrations::migrate(&mut writer).map_err(|error| failed(error.to_string()))?;
        let read_only = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let readers = (0..READERS)
            .map(|_| connect(&path, read_only).map(Mutex::new))
            .collect::<rusqlite::Result<Box<[_]>>>()
            .map_err(|error| failed(error.to_string()))?;
        let writer = Arc::new(Mutex::new(writer));
        let records = RecordQueue::start(writer.clone()).map_err(|error| failed(error.to_string()))?;
        let keys = KeyMarker::open(&path).map_err(|error| failed(error.to_string()))?;
        Ok(SqliteStorage {
            inner: Arc::new(Inner { writer, readers, next_reader: AtomicUsize::new(0), records, keys, path }),
        })
    }

    /// [`open`](Self::open) on the blocking pool, for async callers.
    pub async fn open_async(data_dir: &Path) -> Result<Self, StorageError> {
        let data_dir = data_dir.to_owned();
        tokio::task::spawn_blocking(move || Self::open(&data_dir))
            .await
            .map_err(|error| StorageError::unavailable(format!("opening the storage failed: {error}")))?
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `work` on the write connection, on the blocking thread pool.
    async fn write<T, F>(&self, work: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let writer = self.inner.writer.clone();
        on_blocking_pool(move || {
            let mut conn = writer.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut conn)
        })
        .await
    }

    /// Runs `work` on a read-only connection, on the blocking thread pool: a free
    /// one, else the next in turn.
    async fn read<T, F>(&self, work: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        on_blocking_pool(move || {
            let mut conn = inner.free_reader().unwrap_or_else(|| {
                let next = inner.next_reader.fetch_add(1, Ordering::Relaxed) % inner.readers.len();
                inner.readers[next].lock().unwrap_or_else(PoisonError::into_inner)
            });
            work(&mut conn)
        })
        .await
    }

    /// Waits until every execution record queued before is written (reads of
    /// records, and the recovery, must see them).
    async fn flush_records(&self) -> Result<(), StorageError> {
        self.inner.records.flush().await
    }
}

impl Inner {
    /// A read connection nobody holds, trying each from the next in turn.
    fn free_reader(&self) -> Option<MutexGuard<'_, Connection>> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        (0..self.readers.len()).find_map(|offset| {
            match self.readers[(start + offset) % self.readers.len()].try_lock() {
                Ok(conn) => Some(conn),
                Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            }
        })
    }
}

/// Opens a connection to `path` with the settings every connection shares.
fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Runs `work` on the blocking thread pool. A panic in it rolled back its
/// transaction when the transaction dropped; the connection is still sound, so a
/// poisoned lock is taken over.
async fn on_blocking_pool<T, F>(work: F) -> Result<T, StorageError>
where
    T: Send + 'static,
    F: FnOnce() -> rusqlite::Result<T> + Send + 'static,
{
    tokio::task::spawn_blocking(move || work().map_err(database))
        .await
        .map_err(|error| StorageError::unavailable(format!("the storage task failed: {error}")))?
}
