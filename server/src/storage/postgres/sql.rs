//! Calls on a connection or a transaction, each on a statement prepared once
//! per connection and kept: the storage runs the same few statements all the
//! time, and preparing one costs a round trip.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, ToSql};

use crate::storage::StorageError;

/// Bound parameters.
pub(super) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Runs `sql`; how many rows it changed.
pub(super) async fn execute(client: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<u64, StorageError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.execute(&statement, params).await?)
}

/// The rows of `sql`.
pub(super) async fn query(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>, StorageError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query(&statement, params).await?)
}

/// The row of `sql`, if it gives one.
pub(super) async fn query_opt(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Option<Row>, StorageError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query_opt(&statement, params).await?)
}

/// The one row of `sql`.
pub(super) async fn query_one(client: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<Row, StorageError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query_one(&statement, params).await?)
}

/// Column `index` of `row`, or an error naming it as unreadable.
pub(super) fn get<'a, T: FromSql<'a>>(row: &'a Row, index: usize) -> Result<T, StorageError> {
    row.try_get(index).map_err(|error| StorageError::corrupt(format!("column {index}: {error}")))
}

/// A count or an amount as the database keeps it.
pub(super) fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A stored count read back (never negative).
pub(super) fn uint(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A JSON value as stored text.
pub(super) fn json_text(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// Stored JSON text read back.
pub(super) fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, StorageError> {
    serde_json::from_str(text).map_err(|error| StorageError::corrupt(format!("{what} is not valid JSON: {error}")))
}

/// A SHA-256 hash read back.
pub(super) fn hash32(bytes: &[u8], what: &str) -> Result<[u8; 32], StorageError> {
    <[u8; 32]>::try_from(bytes).map_err(|_| StorageError::corrupt(format!("{what} has the wrong length")))
}
