//! Graphs and their versions: a `graphs` row per graph (owner, active and
//! latest version) and a `graph_versions` row per version (the graph's JSON).

use block_core::graph::Graph;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::{Cached, SqliteStorage, corrupt};
use crate::domain::{GraphVersion, StoredGraph};
use crate::storage::{ActiveVersionChange, GraphStore, StorageError};

/// The columns [`graph_row`] reads, in its order, from `graphs g JOIN graph_versions v`.
macro_rules! graph_columns {
    () => {
        "g.id, v.version, g.user_id, v.name, v.description, v.body, g.active_version, g.latest_version, \
         g.created_at, v.saved_at FROM graphs g JOIN graph_versions v ON v.graph_id = g.id"
    };
}

fn graph_row(row: &Row<'_>) -> rusqlite::Result<StoredGraph> {
    let body: String = row.get(5)?;
    let mut graph: Graph =
        serde_json::from_str(&body).map_err(|error| corrupt(5, format!("a stored graph is not readable: {error}")))?;
    let stored = StoredGraph {
        id: row.get(0)?,
        version: row.get(1)?,
        user_id: row.get(2)?,
        name: row.get(3)?,
        description: row.get(4)?,
        graph: Graph::new(""),
        active_version: row.get(6)?,
        latest_version: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
    };
    graph.id.clone_from(&stored.id);
    graph.version = stored.version;
    graph.is_active = stored.is_active();
    graph.name.clone_from(&stored.name);
    graph.description.clone_from(&stored.description);
    Ok(StoredGraph { graph, ..stored })
}

fn body_of(version: &GraphVersion) -> rusqlite::Result<String> {
    serde_json::to_string(&version.graph).map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))
}

fn insert_version(conn: &Connection, id: &str, number: u32, version: &GraphVersion) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT INTO graph_versions (graph_id, version, name, description, body, saved_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, number, version.name, version.description, body_of(version)?, version.saved_at],
    )?;
    Ok(())
}

fn one(
    conn: &Connection,
    user_id: Option<&str>,
    id: &str,
    version: Option<u32>,
) -> rusqlite::Result<Option<StoredGraph>> {
    conn.query_row_cached(
        concat!(
            "SELECT ",
            graph_columns!(),
            " WHERE g.id = ?1 AND (?2 IS NULL OR g.user_id = ?2) AND v.version = coalesce(?3, g.active_version)"
        ),
        params![id, user_id, version],
        graph_row,
    )
    .optional()
}

fn create(conn: &mut Connection, user_id: &str, id: &str, first: &GraphVersion) -> rusqlite::Result<StoredGraph> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_cached(
        "INSERT INTO graphs (id, user_id, active_version, latest_version, created_at) VALUES (?1, ?2, 1, 1, ?3)",
        params![id, user_id, first.saved_at],
    )?;
    insert_version(&tx, id, 1, first)?;
    let stored = one(&tx, Some(user_id), id, Some(1))?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    tx.commit()?;
    Ok(stored)
}

fn add_version(
    conn: &mut Connection,
    user_id: &str,
    id: &str,
    version: &GraphVersion,
    activate: bool,
) -> rusqlite::Result<Option<StoredGraph>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let latest: Option<u32> = tx
        .query_row_cached("SELECT latest_version FROM graphs WHERE id = ?1 AND user_id = ?2", [id, user_id], |row| {
            row.get(0)
        })
        .optional()?;
    let Some(latest) = latest else { return Ok(None) };
    let number = latest + 1;
    insert_version(&tx, id, number, version)?;
    tx.execute_cached(
        "UPDATE graphs SET latest_version = ?2, active_version = CASE WHEN ?3 THEN ?2 ELSE active_version END
         WHERE id = ?1",
        params![id, number, activate],
    )?;
    let stored = one(&tx, Some(user_id), id, Some(number))?;
    tx.commit()?;
    Ok(stored)
}

fn set_active(conn: &mut Connection, user_id: &str, id: &str, version: u32) -> rusqlite::Result<ActiveVersionChange> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let owned: bool = tx.query_row_cached(
        "SELECT EXISTS (SELECT 1 FROM graphs WHERE id = ?1 AND user_id = ?2)",
        [id, user_id],
        |row| row.get(0),
    )?;
    if !owned {
        return Ok(ActiveVersionChange::NoGraph);
    }
    let changed = tx.execute_cached(
        "UPDATE graphs SET active_version = ?2
         WHERE id = ?1 AND EXISTS (SELECT 1 FROM graph_versions WHERE graph_id = ?1 AND version = ?2)",
        params![id, version],
    )?;
    tx.commit()?;
    Ok(if changed == 1 { ActiveVersionChange::Set } else { ActiveVersionChange::NoVersion })
}

fn list(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<StoredGraph>> {
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        graph_columns!(),
        " WHERE g.user_id = ?1 AND v.version = g.active_version ORDER BY g.created_at, g.id"
    ))?;
    statement.query_map([user_id], graph_row)?.collect()
}

fn versions(conn: &Connection, user_id: &str, id: &str) -> rusqlite::Result<Vec<StoredGraph>> {
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        graph_columns!(),
        " WHERE g.id = ?1 AND g.user_id = ?2 ORDER BY v.version DESC"
    ))?;
    statement.query_map([id, user_id], graph_row)?.collect()
}

#[async_trait::async_trait]
impl GraphStore for SqliteStorage {
    async fn create_graph(&self, user_id: &str, id: &str, first: GraphVersion) -> Result<StoredGraph, StorageError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| create(conn, &user_id, &id, &first)).await
    }

    async fn add_graph_version(
        &self,
        user_id: &str,
        id: &str,
        version: GraphVersion,
        activate: bool,
    ) -> Result<Option<StoredGraph>, StorageError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| add_version(conn, &user_id, &id, &version, activate)).await
    }

    async fn set_active_version(
        &self,
        user_id: &str,
        id: &str,
        version: u32,
    ) -> Result<ActiveVersionChange, StorageError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| set_active(conn, &user_id, &id, version)).await
    }

    async fn graph(&self, user_id: &str, id: &str, version: Option<u32>) -> Result<Option<StoredGraph>, StorageError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.read(move |conn| one(conn, Some(&user_id), &id, version)).await
    }

    async fn graph_by_id(&self, id: &str, version: Option<u32>) -> Result<Option<StoredGraph>, StorageError> {
        let id = id.to_owned();
        self.read(move |conn| one(conn, None, &id, version)).await
    }

    async fn graphs(&self, user_id: &str) -> Result<Vec<StoredGraph>, StorageError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| list(conn, &user_id)).await
    }

    async fn graph_versions(&self, user_id: &str, id: &str) -> Result<Vec<StoredGraph>, StorageError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.read(move |conn| versions(conn, &user_id, &id)).await
    }

    async fn delete_graph(&self, user_id: &str, id: &str) -> Result<bool, StorageError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| {
            conn.execute_cached("DELETE FROM graphs WHERE id = ?1 AND user_id = ?2", [&id, &user_id])
                .map(|deleted| deleted == 1)
        })
        .await
    }
}
