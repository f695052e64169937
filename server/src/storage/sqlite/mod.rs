//! [`Storage`] on one SQLite file in the data directory.
//!
//! WAL journal (readers never wait for the writer, and a crash loses nothing
//! committed), foreign keys on, a busy timeout so that `block-server keys ...` can
//! run beside a serving process, and the migrations applied at open.
//!
//! Connections: one writes (SQLite serialises writers anyway), a few more only
//! read, so that lookups (every request authenticates) never queue behind a
//! write. Each call is a short transaction on a prepared statement kept in the
//! connection's cache: lookups of a row by key run in place on a free read
//! connection (see `SqliteStorage::lookup`), everything else on the blocking
//! pool. Execution records, the one write every run makes, go through
//! [`record_queue`] and are committed in groups.

mod accounts;
mod credits;
mod executions;
mod key_cache;
mod migrations;
mod oauth;
mod record_queue;
mod secrets;
mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use block_core::credentials::CredentialsMeta;
use block_core::webhooks::Subscription;
use rusqlite::{Connection, OpenFlags, Params};

use crate::storage::model::now_unix;

use self::key_cache::KeyCache;
use self::record_queue::RecordQueue;
use super::{
    ApiKeyRecord, ChargeOutcome, ExecutionRecord, KeyStatus, LedgerEntry, NewApiKey, OAuthClient, OAuthToken,
    ProviderLogin, Recovered, SealedCredentials, Storage, StorageError, StorageFuture, User, WebhookRow,
};

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
    keys: KeyCache,
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

fn database(error: rusqlite::Error) -> StorageError {
    StorageError::Database(error.to_string())
}

impl SqliteStorage {
    /// Opens (creating if needed) `data_dir/blocks.sqlite3` and migrates it.
    pub fn open(data_dir: &Path) -> Result<Self, StorageError> {
        let path = data_dir.join(DATABASE_FILE);
        let failed = |reason: String| StorageError::Open { path: path.display().to_string(), reason };
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
        Ok(SqliteStorage {
            inner: Arc::new(Inner {
                writer,
                readers,
                next_reader: AtomicUsize::new(0),
                records,
                keys: KeyCache::new(&path),
                path,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `work` on the write connection, on the blocking thread pool.
    fn run<T, F>(&self, work: F) -> StorageFuture<'static, T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let writer = self.inner.writer.clone();
        on_blocking_pool(move || {
            let mut conn = writer.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut conn)
        })
    }

    /// Runs `work` on a read-only connection, on the blocking thread pool: a free
    /// one, else the next in turn.
    fn read<T, F>(&self, work: F) -> StorageFuture<'static, T>
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
    }

    /// Runs `work`, a lookup of a row or two by key, right here on a free read
    /// connection, else as [`read`](Self::read) does. On a cached statement such a
    /// lookup takes a few microseconds, less than handing it to another thread and
    /// back, and a WAL reader never waits for a writer; every request makes one
    /// (authentication), so this is the hot path of the server.
    fn lookup<T, F>(&self, work: F) -> StorageFuture<'static, T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        match self.inner.free_reader() {
            Some(mut conn) => Box::pin(std::future::ready(work(&mut conn).map_err(database))),
            None => self.read(work),
        }
    }

    /// `then`, once every execution record queued before is written (reads of
    /// records, and the recovery, must see them).
    fn after_queued<T: Send + 'static>(&self, then: StorageFuture<'static, T>) -> StorageFuture<'static, T> {
        let written = self.inner.records.flush();
        Box::pin(async move {
            written.await?;
            then.await
        })
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
fn on_blocking_pool<T, F>(work: F) -> StorageFuture<'static, T>
where
    T: Send + 'static,
    F: FnOnce() -> rusqlite::Result<T> + Send + 'static,
{
    Box::pin(async move {
        tokio::task::spawn_blocking(move || work().map_err(database))
            .await
            .map_err(|error| StorageError::Database(format!("the storage task failed: {error}")))?
    })
}

impl Storage for SqliteStorage {
    fn ping(&self) -> StorageFuture<'_, ()> {
        self.read(|conn| conn.query_row_cached("SELECT 1", [], |_| Ok(())))
    }

    fn setting_or_insert<'a>(&'a self, name: &'a str, value: Vec<u8>) -> StorageFuture<'a, Vec<u8>> {
        let name = name.to_owned();
        self.run(move |conn| {
            conn.execute_cached(
                "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
                (&name, &value),
            )?;
            conn.query_row_cached("SELECT value FROM settings WHERE name = ?1", [&name], |row| row.get(0))
        })
    }

    fn create_user<'a>(&'a self, user: User, starting_credits: u64) -> StorageFuture<'a, ()> {
        self.run(move |conn| accounts::create_user(conn, &user, starting_credits))
    }

    fn user<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<User>> {
        let id = id.to_owned();
        self.lookup(move |conn| accounts::user(conn, &id))
    }

    fn first_user(&self) -> StorageFuture<'_, Option<User>> {
        self.read(|conn| accounts::first_user(conn))
    }

    fn create_api_key(&self, key: NewApiKey) -> StorageFuture<'_, ApiKeyRecord> {
        self.run(move |conn| accounts::create_api_key(conn, &key))
    }

    fn api_key_by_hash<'a>(&'a self, hash: &'a [u8; 32]) -> StorageFuture<'a, Option<(ApiKeyRecord, User)>> {
        let hash = *hash;
        let before = match self.inner.keys.get(&hash) {
            Ok(found) => return Box::pin(std::future::ready(Ok(Some(found)))),
            Err(stamp) => stamp,
        };
        let (inner, read_at) = (self.inner.clone(), Instant::now());
        self.lookup(move |conn| {
            let found = accounts::api_key_by_hash(conn, &hash)?;
            if let Some(found) = &found {
                inner.keys.put(hash, found, before, read_at);
            }
            Ok(found)
        })
    }

    fn api_keys<'a>(&'a self, user_id: &'a str) -> StorageFuture<'a, Vec<ApiKeyRecord>> {
        let user_id = user_id.to_owned();
        self.read(move |conn| accounts::api_keys(conn, &user_id))
    }

    fn set_api_key_status<'a>(&'a self, user_id: &'a str, id: &'a str, status: KeyStatus) -> StorageFuture<'a, bool> {
        let (user_id, id, inner) = (user_id.to_owned(), id.to_owned(), self.inner.clone());
        self.run(move |conn| {
            let changed = accounts::set_api_key_status(conn, &user_id, &id, status)?;
            if let Err(error) = inner.keys.changed() {
                tracing::warn!(
                    %error,
                    "could not mark the key change for other processes; their cached keys expire within {:?}",
                    key_cache::TTL
                );
            }
            Ok(changed)
        })
    }

    fn touch_api_key<'a>(&'a self, id: &'a str) -> StorageFuture<'a, ()> {
        let (id, inner) = (id.to_owned(), self.inner.clone());
        self.run(move |conn| {
            let at = now_unix();
            accounts::touch_api_key(conn, &id, at)?;
            inner.keys.touched(&id, at);
            Ok(())
        })
    }

    fn put_credentials<'a>(&'a self, user_id: &'a str, credentials: SealedCredentials) -> StorageFuture<'a, ()> {
        let user_id = user_id.to_owned();
        self.run(move |conn| secrets::put(conn, &user_id, &credentials))
    }

    fn credentials<'a>(&'a self, user_id: &'a str, id: &'a str) -> StorageFuture<'a, Option<SealedCredentials>> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.lookup(move |conn| secrets::get(conn, &user_id, &id))
    }

    fn list_credentials<'a>(&'a self, user_id: &'a str) -> StorageFuture<'a, Vec<CredentialsMeta>> {
        let user_id = user_id.to_owned();
        self.read(move |conn| secrets::list(conn, &user_id))
    }

    fn delete_credentials<'a>(&'a self, user_id: &'a str, id: &'a str) -> StorageFuture<'a, bool> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.run(move |conn| secrets::delete(conn, &user_id, &id))
    }

    fn balance<'a>(&'a self, user_id: &'a str) -> StorageFuture<'a, u64> {
        let user_id = user_id.to_owned();
        self.lookup(move |conn| credits::balance(conn, &user_id))
    }

    fn charge<'a>(
        &'a self,
        user_id: &'a str,
        amount: u64,
        reason: &'a str,
        execution_id: Option<&'a str>,
    ) -> StorageFuture<'a, ChargeOutcome> {
        let (user_id, reason, execution_id) = (user_id.to_owned(), reason.to_owned(), execution_id.map(str::to_owned));
        self.run(move |conn| credits::charge(conn, &user_id, amount, &reason, execution_id.as_deref()))
    }

    fn charge_up_to<'a>(
        &'a self,
        user_id: &'a str,
        amount: u64,
        reason: &'a str,
        execution_id: Option<&'a str>,
    ) -> StorageFuture<'a, u64> {
        let (user_id, reason, execution_id) = (user_id.to_owned(), reason.to_owned(), execution_id.map(str::to_owned));
        self.run(move |conn| credits::charge_up_to(conn, &user_id, amount, &reason, execution_id.as_deref()))
    }

    fn grant<'a>(
        &'a self,
        user_id: &'a str,
        amount: u64,
        reason: &'a str,
        execution_id: Option<&'a str>,
    ) -> StorageFuture<'a, u64> {
        let (user_id, reason, execution_id) = (user_id.to_owned(), reason.to_owned(), execution_id.map(str::to_owned));
        self.run(move |conn| credits::grant(conn, &user_id, amount, &reason, execution_id.as_deref()))
    }

    fn ledger<'a>(&'a self, user_id: &'a str, limit: u32) -> StorageFuture<'a, Vec<LedgerEntry>> {
        let user_id = user_id.to_owned();
        self.read(move |conn| credits::ledger(conn, &user_id, limit))
    }

    fn webhook<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<WebhookRow>> {
        let id = id.to_owned();
        self.lookup(move |conn| webhooks::webhook(conn, &id))
    }

    fn find_reusable_webhook<'a>(&'a self, like: &'a WebhookRow) -> StorageFuture<'a, Option<WebhookRow>> {
        let like = like.clone();
        self.read(move |conn| webhooks::find_reusable(conn, &like))
    }

    fn webhooks_on<'a>(&'a self, provider: &'a str, resource: &'a str) -> StorageFuture<'a, Vec<WebhookRow>> {
        let (provider, resource) = (provider.to_owned(), resource.to_owned());
        self.read(move |conn| {
            webhooks::webhooks_where(conn, "provider = ?1 AND resource = ?2", &[&provider, &resource])
        })
    }

    fn webhooks_of<'a>(&'a self, owner: &'a str) -> StorageFuture<'a, Vec<WebhookRow>> {
        let owner = owner.to_owned();
        self.read(move |conn| webhooks::webhooks_where(conn, "owner = ?1", &[&owner]))
    }

    fn put_webhook(&self, webhook: WebhookRow) -> StorageFuture<'_, ()> {
        self.run(move |conn| webhooks::put_webhook(conn, &webhook))
    }

    fn delete_webhook<'a>(&'a self, id: &'a str) -> StorageFuture<'a, ()> {
        let id = id.to_owned();
        self.run(move |conn| webhooks::delete_webhook(conn, &id))
    }

    fn subscriptions<'a>(&'a self, webhook_id: &'a str) -> StorageFuture<'a, Vec<Subscription>> {
        let webhook_id = webhook_id.to_owned();
        self.read(move |conn| webhooks::subscriptions_where(conn, "webhook_id = ?1", &webhook_id))
    }

    fn subscriptions_of<'a>(&'a self, owner: &'a str) -> StorageFuture<'a, Vec<Subscription>> {
        let owner = owner.to_owned();
        self.read(move |conn| webhooks::subscriptions_where(conn, "owner = ?1", &owner))
    }

    fn put_subscription(&self, subscription: Subscription) -> StorageFuture<'_, ()> {
        self.run(move |conn| webhooks::put_subscription(conn, &subscription))
    }

    fn delete_subscription<'a>(&'a self, owner: &'a str, id: &'a str) -> StorageFuture<'a, Option<Subscription>> {
        let (owner, id) = (owner.to_owned(), id.to_owned());
        self.run(move |conn| webhooks::delete_subscription(conn, &owner, &id))
    }

    fn record_execution(&self, record: ExecutionRecord) -> StorageFuture<'_, ()> {
        Box::pin(self.inner.records.push(record))
    }

    fn queue_execution(&self, record: ExecutionRecord) {
        self.inner.records.push_detached(record);
    }

    fn start_paid_execution<'a>(
        &'a self,
        record: &'a ExecutionRecord,
        reason: &'a str,
    ) -> StorageFuture<'a, ChargeOutcome> {
        let (record, reason) = (record.clone(), reason.to_owned());
        self.run(move |conn| executions::start_paid(conn, &record, &reason))
    }

    fn recover_interrupted(&self) -> StorageFuture<'_, Recovered> {
        // Queued records first: a run that ended is not interrupted.
        self.after_queued(self.run(executions::recover_interrupted))
    }

    fn flush(&self) -> StorageFuture<'_, ()> {
        Box::pin(self.inner.records.flush())
    }

    fn executions<'a>(&'a self, user_id: &'a str, limit: u32) -> StorageFuture<'a, Vec<ExecutionRecord>> {
        let user_id = user_id.to_owned();
        self.after_queued(self.read(move |conn| executions::list(conn, &user_id, limit)))
    }

    fn create_oauth_client(&self, client: OAuthClient) -> StorageFuture<'_, ()> {
        self.run(move |conn| oauth::create_client(conn, &client))
    }

    fn oauth_client<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<OAuthClient>> {
        let id = id.to_owned();
        self.lookup(move |conn| oauth::client(conn, &id))
    }

    fn oauth_clients(&self) -> StorageFuture<'_, Vec<OAuthClient>> {
        self.read(|conn| oauth::clients(conn))
    }

    fn disable_oauth_client<'a>(&'a self, id: &'a str) -> StorageFuture<'a, bool> {
        let id = id.to_owned();
        self.run(move |conn| oauth::disable_client(conn, &id))
    }

    fn put_oauth_token(&self, token: OAuthToken) -> StorageFuture<'_, ()> {
        self.run(move |conn| oauth::put_token(conn, &token))
    }

    fn oauth_token<'a>(&'a self, hash: &'a [u8; 32]) -> StorageFuture<'a, Option<OAuthToken>> {
        let hash = *hash;
        self.lookup(move |conn| oauth::token(conn, &hash))
    }

    fn consume_oauth_token<'a>(&'a self, hash: &'a [u8; 32]) -> StorageFuture<'a, Option<OAuthToken>> {
        let hash = *hash;
        self.run(move |conn| oauth::consume_token(conn, &hash))
    }

    fn revoke_oauth_token<'a>(&'a self, hash: &'a [u8; 32]) -> StorageFuture<'a, ()> {
        let hash = *hash;
        self.run(move |conn| oauth::revoke_token(conn, &hash))
    }

    fn revoke_oauth_family<'a>(&'a self, family: &'a str) -> StorageFuture<'a, usize> {
        let family = family.to_owned();
        self.run(move |conn| oauth::revoke_family(conn, &family))
    }

    fn put_provider_login(&self, login: ProviderLogin) -> StorageFuture<'_, ()> {
        self.run(move |conn| oauth::put_provider_login(conn, &login))
    }

    fn take_provider_login<'a>(
        &'a self,
        state_hash: &'a [u8; 32],
        user_id: &'a str,
    ) -> StorageFuture<'a, Option<ProviderLogin>> {
        let (hash, user_id) = (*state_hash, user_id.to_owned());
        self.run(move |conn| oauth::take_provider_login(conn, &hash, &user_id))
    }
}
