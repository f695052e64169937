//! Graphs (agents) and their versions, per user.

use crate::domain::{GraphVersion, StoredGraph};

use super::StorageError;

/// What setting a graph's active version did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActiveVersionChange {
    /// The version is the active one now.
    Set,
    /// The user has no graph with that id.
    NoGraph,
    /// The graph has no such version.
    NoVersion,
}

/// Every user's graphs, each with all its versions.
#[async_trait::async_trait]
pub trait GraphStore: Send + Sync + 'static {
    /// Stores graph `id` of `user_id` with `first` as its version 1, active.
    /// A graph with the same id already stored is a `Constraint` error.
    async fn create_graph(&self, user_id: &str, id: &str, first: GraphVersion) -> Result<StoredGraph, StorageError>;

    /// Adds `version` to `user_id`'s graph `id` as its next version (the
    /// highest plus one), made active if `activate`; `None` when the user has
    /// no such graph.
    async fn add_graph_version(
        &self,
        user_id: &str,
        id: &str,
        version: GraphVersion,
        activate: bool,
    ) -> Result<Option<StoredGraph>, StorageError>;

    /// Makes `version` the active version of `user_id`'s graph `id`.
    async fn set_active_version(
        &self,
        user_id: &str,
        id: &str,
        version: u32,
    ) -> Result<ActiveVersionChange, StorageError>;

    /// `user_id`'s graph `id`: version `version`, or the active one when `None`.
    async fn graph(&self, user_id: &str, id: &str, version: Option<u32>) -> Result<Option<StoredGraph>, StorageError>;

    /// Version `version` (the active one when `None`) of graph `id`, whoever
    /// owns it: for runs (a queued graph run names the version it runs) and
    /// for graphs others published.
    async fn graph_by_id(&self, id: &str, version: Option<u32>) -> Result<Option<StoredGraph>, StorageError>;

    /// The active version of each of `user_id`'s graphs, oldest graph first.
    async fn graphs(&self, user_id: &str) -> Result<Vec<StoredGraph>, StorageError>;

    /// Every version of `user_id`'s graph `id`, newest first (empty when the
    /// user has no such graph).
    async fn graph_versions(&self, user_id: &str, id: &str) -> Result<Vec<StoredGraph>, StorageError>;

    /// Deletes `user_id`'s graph `id` with all its versions; whether there was
    /// one. Its runs stay.
    async fn delete_graph(&self, user_id: &str, id: &str) -> Result<bool, StorageError>;
}
