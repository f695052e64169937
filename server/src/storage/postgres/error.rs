//! PostgreSQL's errors as [`StorageError`]s, keeping the SQLSTATE code.
//!
//! Retryable: serialization failures and deadlocks (class 40), lost or refused
//! connections (class 08, a closed connection, a pool that gave none in time),
//! too many connections and other exhausted resources (class 53), a server
//! shutting down (57P01-57P03). Not retryable: constraint violations (class
//! 23), and everything else.

use deadpool_postgres::PoolError;

use crate::storage::{StorageError, StorageErrorKind};

/// The kind of failure a SQLSTATE code says.
fn kind_of(code: &str) -> StorageErrorKind {
    match code.get(..2) {
        Some("40" | "08" | "53") => StorageErrorKind::Busy,
        Some("23") => StorageErrorKind::Constraint,
        Some("57") if matches!(code, "57P01" | "57P02" | "57P03") => StorageErrorKind::Unavailable,
        Some("22" | "XX") if code == "XX001" || code == "XX002" => StorageErrorKind::Corrupt,
        _ => StorageErrorKind::Other,
    }
}

impl From<tokio_postgres::Error> for StorageError {
    fn from(error: tokio_postgres::Error) -> Self {
        if let Some(db) = error.as_db_error() {
            let code = db.code().code();
            return StorageError::new(
                kind_of(code),
                Some(code.to_owned()),
                format!("the database failed: {} ({code})", db.message()),
            );
        }
        if let Some(code) = error.code() {
            let code = code.code();
            return StorageError::new(kind_of(code), Some(code.to_owned()), format!("the database failed: {error}"));
        }
        let kind = if error.is_closed() { StorageErrorKind::Unavailable } else { StorageErrorKind::Busy };
        // Without a SQLSTATE the driver failed on its side: the connection (I/O,
        // a closed socket), or a value it could not convert.
        let kind = if error.to_string().contains("error deserializing") { StorageErrorKind::Corrupt } else { kind };
        StorageError::new(kind, None, format!("the database failed: {error}"))
    }
}

impl From<PoolError> for StorageError {
    fn from(error: PoolError) -> Self {
        match error {
            PoolError::Backend(error) => error.into(),
            PoolError::Timeout(_) => StorageError::new(
                StorageErrorKind::Busy,
                None,
                "no database connection was free in time (the pool is exhausted)",
            ),
            PoolError::Closed => StorageError::unavailable("the database pool is closed"),
            other => StorageError::new(StorageErrorKind::Busy, None, format!("no database connection: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::kind_of;
    use crate::storage::StorageErrorKind;

    #[test]
    fn sqlstate_classes_say_whether_to_retry() {
        assert_eq!(kind_of("40001"), StorageErrorKind::Busy, "serialization failure");
        assert_eq!(kind_of("40P01"), StorageErrorKind::Busy, "deadlock");
        assert_eq!(kind_of("08006"), StorageErrorKind::Busy, "connection failure");
        assert_eq!(kind_of("53300"), StorageErrorKind::Busy, "too many connections");
        assert_eq!(kind_of("23505"), StorageErrorKind::Constraint, "unique violation");
        assert_eq!(kind_of("23503"), StorageErrorKind::Constraint, "foreign key violation");
        assert_eq!(kind_of("57P01"), StorageErrorKind::Unavailable, "admin shutdown");
        assert_eq!(kind_of("42601"), StorageErrorKind::Other, "a syntax error is a bug, not a retry");
    }
}
