//! Why a storage operation failed, keeping what the database said.

/// What kind of failure, as a caller needs to react to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageErrorKind {
    /// The database could not be opened or migrated.
    Open,
    /// The database is busy (locked by another writer) or the connection pool is
    /// exhausted: trying again later may succeed.
    Busy,
    /// A constraint refused the write (a duplicate key, a foreign key): trying
    /// again will fail the same way.
    Constraint,
    /// A row holds something this version cannot read.
    Corrupt,
    /// The storage's worker went away (the process is shutting down).
    Unavailable,
    /// Anything else the database reported.
    Other,
}

/// Why a storage operation failed. The database's own error code is kept (e.g.
/// `SQLITE_BUSY`, or a PostgreSQL SQLSTATE), so that logs say what happened and
/// callers can tell a retryable failure from a permanent one.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct StorageError {
    kind: StorageErrorKind,
    code: Option<String>,
    message: String,
}

impl StorageError {
    /// A failure of `kind`, with the database's `code` if it gave one.
    pub fn new(kind: StorageErrorKind, code: Option<String>, message: impl Into<String>) -> Self {
        StorageError { kind, code, message: message.into() }
    }

    /// The database at `path` could not be opened or migrated.
    pub fn open(path: &str, reason: impl std::fmt::Display) -> Self {
        Self::new(StorageErrorKind::Open, None, format!("could not open the database {path}: {reason}"))
    }

    /// A row that cannot be read.
    pub fn corrupt(message: impl Into<String>) -> Self {
        Self::new(StorageErrorKind::Corrupt, None, format!("the database holds an unreadable row: {}", message.into()))
    }

    /// The storage's worker is gone.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StorageErrorKind::Unavailable, None, message)
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> StorageErrorKind {
        self.kind
    }

    /// The database's error code, if it gave one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// Whether the same operation may succeed if tried again later.
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, StorageErrorKind::Busy | StorageErrorKind::Unavailable)
    }
}
