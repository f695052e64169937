//! Opening the storage a process uses (the data directory's SQLite file, or a
//! shared PostgreSQL database) and the encryption key that goes with it.

use std::io;
use std::path::Path;
use std::sync::Arc;

use super::serve::ServeError;
use crate::domain::{Cipher, KeySource};
use crate::storage::{PostgresStorage, SqliteStorage, Storage, is_postgres_url};

/// Creates the data directory (owner-only where the platform allows) and opens
/// its storage. Blocking (files): call it before the runtime, or through
/// [`open_storage_async`].
pub fn open_storage(data_dir: &Path) -> Result<SqliteStorage, ServeError> {
    let failed = |error| ServeError::DataDir { path: data_dir.to_owned(), error };
    if !data_dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(data_dir).map_err(failed)?;
    }
    Ok(SqliteStorage::open(data_dir)?)
}

/// [`open_storage`] on the blocking pool.
pub async fn open_storage_async(data_dir: &Path) -> Result<SqliteStorage, ServeError> {
    let data_dir = data_dir.to_owned();
    tokio::task::spawn_blocking(move || open_storage(&data_dir))
        .await
        .map_err(|error| ServeError::Io { what: "opening the storage".into(), error: io::Error::other(error) })?
}

/// The storage a process uses: the PostgreSQL database at `database_url`,
/// else the SQLite file in `data_dir` (created if needed).
pub async fn open_database(data_dir: &Path, database_url: Option<&str>) -> Result<Arc<dyn Storage>, ServeError> {
    match database_url.map(str::trim).filter(|url| !url.is_empty()) {
        Some(url) if is_postgres_url(url) => Ok(Arc::new(PostgresStorage::connect(url).await?)),
        Some(_) => Err(ServeError::DatabaseUrl),
        None => Ok(Arc::new(open_storage_async(data_dir).await?)),
    }
}

/// Loads the encryption key: from the environment, else the data directory's
/// key file (created on first start). A shared database needs the key from the
/// environment, the same in every process.
pub(super) async fn load_cipher(
    env_key: Option<String>,
    data_dir: &Path,
    shared: bool,
) -> Result<(Cipher, KeySource), ServeError> {
    if shared && env_key.as_deref().is_none_or(|key| key.trim().is_empty()) {
        return Err(ServeError::SharedKeyMissing);
    }
    let data_dir = data_dir.to_owned();
    tokio::task::spawn_blocking(move || Cipher::load(env_key.as_deref(), &data_dir))
        .await
        .map_err(|error| ServeError::Io { what: "loading the key".into(), error: io::Error::other(error) })?
        .map_err(ServeError::Key)
}
