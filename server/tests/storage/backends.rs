//! The two backends under test, each opened fresh for one test.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use block_server::storage::{PostgresStorage, SqliteStorage, Storage};

/// The variable naming a PostgreSQL database the tests create theirs from.
pub const DATABASE_URL_ENV: &str = "BLOCKS_TEST_DATABASE_URL";

/// Set to `1` where the PostgreSQL half must run (CI).
pub const REQUIRE_ENV: &str = "BLOCKS_REQUIRE_POSTGRES";

enum Place {
    Sqlite(PathBuf),
    Postgres { url: String, _database: DropDatabase },
}

/// A fresh database and a storage on it.
pub struct Db {
    /// The storage of "this process".
    pub storage: Arc<dyn Storage>,
    place: Place,
}

impl Db {
    /// A SQLite storage in a new directory.
    pub async fn sqlite(name: &str) -> Db {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "storage-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the test directory is created");
        let storage = Arc::new(SqliteStorage::open_async(&dir).await.expect("the SQLite storage opens"));
        Db { storage, place: Place::Sqlite(dir) }
    }

    /// A PostgreSQL storage on a new database, or `None` (said on stderr) when
    /// no server is configured.
    pub async fn postgres() -> Option<Db> {
        let Some(admin) = std::env::var(DATABASE_URL_ENV).ok().filter(|url| !url.trim().is_empty()) else {
            assert!(
                std::env::var(REQUIRE_ENV).as_deref() != Ok("1"),
                "{REQUIRE_ENV}=1 but {DATABASE_URL_ENV} is not set: the PostgreSQL storage tests cannot run"
            );
            // Written to the process's stderr, past the test harness's capture, once.
            static SAID: AtomicBool = AtomicBool::new(false);
            if !SAID.swap(true, Ordering::Relaxed) {
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** SKIPPED: {DATABASE_URL_ENV} is not set, so the PostgreSQL storage tests did not run \
                     (e.g. {DATABASE_URL_ENV}=postgres://postgres@127.0.0.1:5432/postgres) ***\n"
                );
            }
            return None;
        };
        let database = DropDatabase::create(&admin).await;
        let url = database.url.clone();
        let storage = Arc::new(PostgresStorage::connect(&url).await.expect("the PostgreSQL storage connects"));
        Some(Db { storage, place: Place::Postgres { url, _database: database } })
    }

    /// Which backend this is: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.place {
            Place::Sqlite(_) => "sqlite",
            Place::Postgres { .. } => "postgres",
        }
    }

    /// Another storage on the same database: what a second process opens.
    pub async fn again(&self) -> Arc<dyn Storage> {
        match &self.place {
            Place::Sqlite(dir) => Arc::new(SqliteStorage::open_async(dir).await.expect("opens again")),
            Place::Postgres { url, .. } => Arc::new(PostgresStorage::connect(url).await.expect("connects again")),
        }
    }
}

/// A database made for one test, dropped (connections and all) when the test
/// ends, passed or failed.
struct DropDatabase {
    admin: String,
    name: String,
    url: String,
}

impl DropDatabase {
    async fn create(admin: &str) -> DropDatabase {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("blocks_test_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        admin_execute(admin, &format!("CREATE DATABASE {name}")).await;
        let mut url = url::Url::parse(admin).expect("the test database URL is a URL");
        url.set_path(&format!("/{name}"));
        DropDatabase { admin: admin.to_owned(), name, url: url.to_string() }
    }
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let (admin, sql) = (self.admin.clone(), format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        // The test's runtime may be the one being dropped: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            runtime.block_on(admin_execute(&admin, &sql));
        })
        .join();
        if dropped.is_err() {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

async fn admin_execute(admin: &str, sql: &str) {
    let (client, connection) =
        tokio_postgres::connect(admin, tokio_postgres::NoTls).await.expect("the test database server answers");
    let driver = tokio::spawn(connection);
    client.batch_execute(sql).await.expect("the administrative statement runs");
    drop(client);
    let _ = driver.await;
}
