//! The storage traits on a PostgreSQL database, shared by several server and
//! worker processes.
//!
//! What SQLite gets from one writer at a time, PostgreSQL gets from row locks
//! and single statements: a charge is one conditional `UPDATE ... WHERE balance
//! >= amount`; a transaction that reads and then writes reads with `FOR UPDATE`
//! (a single-use token, a run being started or stopped), so two processes
//! cannot both see the same row fresh; claims of queued runs and callbacks
//! take their rows with `FOR UPDATE SKIP LOCKED`. Every process learns of a
//! changed API key and of a queued run through `LISTEN`/`NOTIFY`
//! ([`listener`]); migrations run under an advisory lock, one process at a
//! time ([`migrations`]).
//!
//! Connections come from a pool (deadpool-postgres); statements are prepared
//! once per connection and kept. SQL text here is constant: every value a
//! caller sends is a bound parameter. The connection URL may hold a password:
//! it is never logged, printed or kept in an error.

mod accounts;
mod credentials;
mod credits;
mod error;
mod graphs;
mod listener;
mod migrations;
mod oauth;
mod polls;
mod record_queue;
mod requests;
mod run_queue;
mod runs;
mod schedules;
mod settings;
mod sql;
mod store;
mod store_lists;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::sync::Notify;
use tokio_postgres::NoTls;

use self::record_queue::RecordQueue;
use super::{KeyChanges, StorageError};

/// Connections in the pool of one process.
const POOL_SIZE: usize = 16;

/// How long a call waits for a free connection before failing as busy.
const POOL_WAIT: Duration = Duration::from_secs(10);

/// The channel that says an API key changed (payload: nothing).
pub(super) const KEYS_CHANNEL: &str = "blocks_keys";

/// The channel that says runs were queued (payload: nothing).
pub(super) const RUNS_CHANNEL: &str = "blocks_runs";

/// The PostgreSQL storage. Cheap to clone.
#[derive(Clone)]
pub struct PostgresStorage {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    records: RecordQueue,
    keys: KeyChanges,
    queued: Arc<Notify>,
    /// Where it is, without the password: for logs and `Debug`.
    place: String,
    listener: tokio::task::JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStorage").field("database", &self.inner.place).finish_non_exhaustive()
    }
}

/// Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

impl PostgresStorage {
    /// Connects to the database at `url` (`postgres://user@host:port/name`),
    /// applies the migrations it lacks (one process at a time) and starts
    /// listening for changes made by other processes. Must be called within a
    /// tokio runtime; the storage's tasks live on it.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let config: tokio_postgres::Config = url.parse().map_err(|error: tokio_postgres::Error| {
            // The parser's message never repeats the URL.
            StorageError::open("at the given URL", format!("the database URL is not valid: {error}"))
        })?;
        let place = describe(&config);
        let failed = |reason: String| StorageError::open(&place, reason);
        let manager =
            Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(POOL_WAIT))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|error| failed(error.to_string()))?;
        {
            let mut client = pool.get().await.map_err(|error| failed(StorageError::from(error).to_string()))?;
            migrations::migrate(&mut client).await.map_err(|error| failed(error.to_string()))?;
        }
        let keys = KeyChanges::default();
        let queued = Arc::new(Notify::new());
        let listener = tokio::spawn(listener::listen(config, keys.clone(), queued.clone()));
        let records = RecordQueue::start(pool.clone());
        Ok(PostgresStorage { inner: Arc::new(Inner { pool, records, keys, queued, place, listener }) })
    }

    /// A pooled connection.
    async fn client(&self) -> Result<deadpool_postgres::Client, StorageError> {
        Ok(self.inner.pool.get().await?)
    }

    /// Waits until every run write queued before is stored.
    async fn flush_records(&self) -> Result<(), StorageError> {
        self.inner.records.flush().await
    }
}

/// `user@host:port/dbname`, never the password.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|host| match host {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("postgres://{}@{host}:{port}/{}", config.get_user().unwrap_or(""), config.get_dbname().unwrap_or(""))
}
