//! Graphs and their versions: a `graphs` row per graph (owner, active and
//! latest version) and a `graph_versions` row per version (the graph's JSON).
//! Adding a version locks its graph's row, so two processes saving at once
//! get consecutive numbers.

use block_core::graph::Graph;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PostgresStorage;
use super::sql::{self, from_json, get};
use crate::domain::{GraphVersion, StoredGraph};
use crate::storage::{ActiveVersionChange, GraphStore, StorageError};

/// The columns [`graph_row`] reads, in its order, from `graphs g JOIN graph_versions v`.
macro_rules! graph_columns {
    () => {
        "g.id, v.version, g.user_id, v.name, v.description, v.body, g.active_version, g.latest_version, \
         g.created_at, v.saved_at FROM graphs g JOIN graph_versions v ON v.graph_id = g.id"
    };
}

fn number(value: i64, what: &str) -> Result<u32, StorageError> {
    u32::try_from(value).map_err(|_| StorageError::corrupt(format!("{what} {value} is out of range")))
}

fn graph_row(row: &Row) -> Result<StoredGraph, StorageError> {
    let mut graph: Graph = from_json(get(row, 5)?, "a stored graph")?;
    let stored = StoredGraph {
        id: get(row, 0)?,
        version: number(get(row, 1)?, "a graph version")?,
        user_id: get(row, 2)?,
        name: get(row, 3)?,
        description: get(row, 4)?,
        graph: Graph::new(""),
        active_version: number(get(row, 6)?, "an active version")?,
        latest_version: number(get(row, 7)?, "a latest version")?,
        created_at: get(row, 8)?,
        updated_at: get(row, 9)?,
    };
    graph.id.clone_from(&stored.id);
    graph.version = stored.version;
    graph.is_active = stored.is_active();
    graph.name.clone_from(&stored.name);
    graph.description.clone_from(&stored.description);
    Ok(StoredGraph { graph, ..stored })
}

async fn insert_version(
    client: &impl GenericClient,
    id: &str,
    number: i64,
    version: &GraphVersion,
) -> Result<(), StorageError> {
    sql::execute(
        client,
        "INSERT INTO graph_versions (graph_id, version, name, description, body, saved_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[&id, &number, &version.name, &version.description, &sql::json_text(&version.graph), &version.saved_at],
    )
    .await
    .map(drop)
}

async fn one(
    client: &impl GenericClient,
    user_id: Option<&str>,
    id: &str,
    version: Option<u32>,
) -> Result<Option<StoredGraph>, StorageError> {
    let row = sql::query_opt(
        client,
        concat!(
            "SELECT ",
            graph_columns!(),
            " WHERE g.id = $1 AND ($2::text IS NULL OR g.user_id = $2)
               AND v.version = coalesce($3::bigint, g.active_version)"
        ),
        &[&id, &user_id, &version.map(i64::from)],
    )
    .await?;
    row.as_ref().map(graph_row).transpose()
}

#[async_trait::async_trait]
impl GraphStore for PostgresStorage {
    async fn create_graph(&self, user_id: &str, id: &str, first: GraphVersion) -> Result<StoredGraph, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        sql::execute(
            &tx,
            "INSERT INTO graphs (id, user_id, active_version, latest_version, created_at) VALUES ($1, $2, 1, 1, $3)",
            &[&id, &user_id, &first.saved_at],
        )
        .await?;
        insert_version(&tx, id, 1, &first).await?;
        let stored = one(&tx, Some(user_id), id, Some(1))
            .await?
            .ok_or_else(|| StorageError::corrupt("a graph just stored cannot be read back"))?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn add_graph_version(
        &self,
        user_id: &str,
        id: &str,
        version: GraphVersion,
        activate: bool,
    ) -> Result<Option<StoredGraph>, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = sql::query_opt(
            &tx,
            "SELECT latest_version FROM graphs WHERE id = $1 AND user_id = $2 FOR UPDATE",
            &[&id, &user_id],
        )
        .await?;
        let Some(row) = row else { return Ok(None) };
        let next: i64 = get::<i64>(&row, 0)? + 1;
        insert_version(&tx, id, next, &version).await?;
        sql::execute(
            &tx,
            "UPDATE graphs SET latest_version = $2, active_version = CASE WHEN $3 THEN $2 ELSE active_version END
             WHERE id = $1",
            &[&id, &next, &activate],
        )
        .await?;
        let stored = one(&tx, Some(user_id), id, Some(number(next, "a graph version")?)).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn set_active_version(
        &self,
        user_id: &str,
        id: &str,
        version: u32,
    ) -> Result<ActiveVersionChange, StorageError> {
        let client = self.client().await?;
        let owned = sql::query_one(
            &client,
            "SELECT EXISTS (SELECT 1 FROM graphs WHERE id = $1 AND user_id = $2)",
            &[&id, &user_id],
        )
        .await?;
        if !get::<bool>(&owned, 0)? {
            return Ok(ActiveVersionChange::NoGraph);
        }
        let changed = sql::execute(
            &client,
            "UPDATE graphs SET active_version = $2
             WHERE id = $1 AND EXISTS (SELECT 1 FROM graph_versions WHERE graph_id = $1 AND version = $2)",
            &[&id, &i64::from(version)],
        )
        .await?;
        Ok(if changed == 1 { ActiveVersionChange::Set } else { ActiveVersionChange::NoVersion })
    }

    async fn graph(&self, user_id: &str, id: &str, version: Option<u32>) -> Result<Option<StoredGraph>, StorageError> {
        one(&self.client().await?, Some(user_id), id, version).await
    }

    async fn graph_by_id(&self, id: &str, version: Option<u32>) -> Result<Option<StoredGraph>, StorageError> {
        one(&self.client().await?, None, id, version).await
    }

    async fn graphs(&self, user_id: &str) -> Result<Vec<StoredGraph>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            concat!(
                "SELECT ",
                graph_columns!(),
                " WHERE g.user_id = $1 AND v.version = g.active_version ORDER BY g.created_at, g.id"
            ),
            &[&user_id],
        )
        .await?;
        rows.iter().map(graph_row).collect()
    }

    async fn graph_versions(&self, user_id: &str, id: &str) -> Result<Vec<StoredGraph>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            concat!("SELECT ", graph_columns!(), " WHERE g.id = $1 AND g.user_id = $2 ORDER BY v.version DESC"),
            &[&id, &user_id],
        )
        .await?;
        rows.iter().map(graph_row).collect()
    }

    async fn delete_graph(&self, user_id: &str, id: &str) -> Result<bool, StorageError> {
        let client = self.client().await?;
        Ok(sql::execute(&client, "DELETE FROM graphs WHERE id = $1 AND user_id = $2", &[&id, &user_id]).await? == 1)
    }
}
