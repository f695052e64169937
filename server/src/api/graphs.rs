//! `/graphs`: the caller's graphs (agents) in versions, their runs and the
//! runs' results, in the reference's shapes.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use block_core::graph::Graph;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Authed, JsonBody};
use super::{ApiError, ErrorBody};
use crate::domain::{RunSource, StoredGraph};
use crate::services::AppState;
use crate::services::graph_triggers;
use crate::services::graphs::{self, GraphResults, GraphRunRequest};
use crate::services::runs::callbacks;

/// What `POST /graphs` and `PUT /graphs/{id}` take: a graph in the reference's
/// JSON shape (`name`, `description`, `nodes`, `links`), or the reference's
/// `{"graph": {...}}` around it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum GraphBody {
    /// `{"graph": {...}}`.
    Wrapped {
        /// The graph.
        #[schema(value_type = Object)]
        graph: Graph,
    },
    /// The graph itself.
    #[schema(value_type = Object)]
    Plain(Graph),
}

impl GraphBody {
    fn into_graph(self) -> Graph {
        match self {
            GraphBody::Wrapped { graph } | GraphBody::Plain(graph) => graph,
        }
    }
}

/// One version of a graph as the API shows it: the reference's graph model
/// with the schemas of what a run takes and gives.
#[derive(Debug, Serialize, ToSchema)]
pub struct GraphItem {
    /// The graph's id.
    pub id: String,
    /// This version.
    pub version: u32,
    /// Whether this version is the active one.
    pub is_active: bool,
    /// The active version.
    pub active_version: u32,
    /// The highest version.
    pub latest_version: u32,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its nodes: `{id, block_id, input_default, metadata}`.
    #[schema(value_type = Vec<Object>)]
    pub nodes: Value,
    /// Its links: `{id, source_id, sink_id, source_name, sink_name, is_static}`.
    #[schema(value_type = Vec<Object>)]
    pub links: Value,
    /// Graphs its sub-graph nodes run.
    #[schema(value_type = Vec<Object>)]
    pub sub_graphs: Value,
    /// The JSON schema of `node_input` (one property per graph input).
    #[schema(value_type = Object)]
    pub input_schema: Value,
    /// The JSON schema of the graph's outputs.
    #[schema(value_type = Object)]
    pub output_schema: Value,
    /// The JSON schema of `credentials_inputs`.
    #[schema(value_type = Object)]
    pub credentials_input_schema: Value,
    /// When the graph was created, Unix milliseconds.
    pub created_at: i64,
    /// When this version was saved, Unix milliseconds.
    pub updated_at: i64,
}

/// What `PUT /graphs/{id}/versions/active` takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveVersionBody {
    /// The version to make active.
    pub active_graph_version: u32,
}

/// What `POST /graphs/{id}/execute/{version}` takes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteGraphBody {
    /// Values of the graph's inputs, by name (see its `input_schema`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub node_input: Map<String, Value>,
    /// Stored credentials (`{id, provider, type}`) for the graph's credentials
    /// inputs, by key (see its `credentials_input_schema`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub credentials_inputs: Map<String, Value>,
}

/// The answer to `POST /graphs/{id}/execute/{version}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct GraphExecution {
    /// The graph run's id (`GET /runs/{id}`, `GET /runs/{id}/events`, the
    /// results).
    pub id: String,
}

/// What deleting a graph did.
#[derive(Debug, Serialize, ToSchema)]
pub struct GraphRemoved {
    /// Always `true`.
    pub deleted: bool,
}

/// `?version=` of `GET /graphs/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The version; the active one when left out.
    version: Option<u32>,
}

/// `?callback_url=` of the execute route.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExecuteGraphQuery {
    /// Where the run record is posted, signed, when the run ends.
    callback_url: Option<String>,
}

fn item(state: &AppState, stored: StoredGraph) -> GraphItem {
    let registry = state.registry();
    let graph = &stored.graph;
    GraphItem {
        is_active: stored.is_active(),
        input_schema: graph.input_schema(),
        output_schema: graph.output_schema(),
        credentials_input_schema: graph.credentials_input_schema(registry),
        nodes: serde_json::to_value(&graph.nodes).unwrap_or_default(),
        links: serde_json::to_value(&graph.links).unwrap_or_default(),
        sub_graphs: serde_json::to_value(&graph.sub_graphs).unwrap_or_default(),
        id: stored.id,
        version: stored.version,
        active_version: stored.active_version,
        latest_version: stored.latest_version,
        name: stored.name,
        description: stored.description,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
    }
}

fn bad_query(rejection: QueryRejection) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", rejection.body_text())
}

/// Saves a new graph (version 1, active).
#[utoipa::path(post, path = "/external-api/v1/graphs", tag = "graphs", operation_id = "create_graph",
    summary = "Save a graph (an agent): its first version, active",
    request_body = GraphBody,
    security(("OAuth2" = ["WRITE_GRAPH"])),
    responses((status = 200, description = "Saved", body = GraphItem),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "The graph has problems; every one is listed with its JSON pointer \
            (`/nodes/1/input_default/text`, `/links/0`, ...)", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn create_graph(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(body): JsonBody<GraphBody>,
) -> Result<Json<GraphItem>, ApiError> {
    let stored = graphs::create(state.storage().as_ref(), state.registry(), &caller.user.id, body.into_graph()).await?;
    Ok(Json(item(&state, stored)))
}

/// Saves a new version of a graph.
#[utoipa::path(put, path = "/external-api/v1/graphs/{id}", tag = "graphs", operation_id = "update_graph",
    summary = "Save a new version of a graph (active unless it says \"is_active\": false)",
    params(("id" = String, Path, description = "The graph's id")),
    request_body = GraphBody,
    security(("OAuth2" = ["WRITE_GRAPH"])),
    responses((status = 200, description = "Saved", body = GraphItem),
        (status = 404, description = "No such graph", body = ErrorBody),
        (status = 422, description = "The graph has problems; every one is listed", body = ErrorBody)))]
pub async fn update_graph(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<GraphBody>,
) -> Result<Json<GraphItem>, ApiError> {
    let stored =
        graphs::update(state.storage().as_ref(), state.registry(), &caller.user.id, &id, body.into_graph()).await?;
    Ok(Json(item(&state, stored)))
}

/// Makes a version the active one.
#[utoipa::path(put, path = "/external-api/v1/graphs/{id}/versions/active", tag = "graphs",
    operation_id = "set_active_graph_version",
    summary = "Make a version of a graph the one that runs",
    params(("id" = String, Path, description = "The graph's id")),
    request_body = ActiveVersionBody,
    security(("OAuth2" = ["WRITE_GRAPH"])),
    responses((status = 200, description = "The version, now active", body = GraphItem),
        (status = 404, description = "No such graph or version", body = ErrorBody),
        (status = 422, description = "The body does not fit", body = ErrorBody)))]
pub async fn set_active_version(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ActiveVersionBody>,
) -> Result<Json<GraphItem>, ApiError> {
    let stored =
        graphs::set_active_version(state.storage().as_ref(), &caller.user.id, &id, body.active_graph_version).await?;
    Ok(Json(item(&state, stored)))
}

/// The caller's graphs.
#[utoipa::path(get, path = "/external-api/v1/graphs", tag = "graphs", operation_id = "list_graphs",
    summary = "The caller's graphs, each at its active version, oldest first",
    security(("OAuth2" = ["READ_GRAPH"])),
    responses((status = 200, description = "The graphs", body = Vec<GraphItem>)))]
pub async fn list_graphs(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<Vec<GraphItem>>, ApiError> {
    let graphs = graphs::list(state.storage().as_ref(), &caller.user.id).await?;
    Ok(Json(graphs.into_iter().map(|stored| item(&state, stored)).collect()))
}

/// One graph.
#[utoipa::path(get, path = "/external-api/v1/graphs/{id}", tag = "graphs", operation_id = "get_graph",
    summary = "A graph at its active version, or at `?version=`",
    params(("id" = String, Path, description = "The graph's id"), VersionQuery),
    security(("OAuth2" = ["READ_GRAPH"])),
    responses((status = 200, description = "The graph", body = GraphItem),
        (status = 404, description = "No such graph or version", body = ErrorBody)))]
pub async fn get_graph(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    query: Result<Query<VersionQuery>, QueryRejection>,
) -> Result<Json<GraphItem>, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let stored = graphs::get(state.storage().as_ref(), &caller.user.id, &id, query.version).await?;
    Ok(Json(item(&state, stored)))
}

/// Every version of a graph.
#[utoipa::path(get, path = "/external-api/v1/graphs/{id}/versions", tag = "graphs", operation_id = "list_graph_versions",
    summary = "Every version of a graph, newest first",
    params(("id" = String, Path, description = "The graph's id")),
    security(("OAuth2" = ["READ_GRAPH"])),
    responses((status = 200, description = "The versions", body = Vec<GraphItem>),
        (status = 404, description = "No such graph", body = ErrorBody)))]
pub async fn list_graph_versions(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Json<Vec<GraphItem>>, ApiError> {
    let versions = graphs::versions(state.storage().as_ref(), &caller.user.id, &id).await?;
    Ok(Json(versions.into_iter().map(|stored| item(&state, stored)).collect()))
}

/// Deletes a graph with every version.
#[utoipa::path(delete, path = "/external-api/v1/graphs/{id}", tag = "graphs", operation_id = "delete_graph",
    summary = "Delete a graph and all its versions, unsubscribing the triggers that start it (its runs stay)",
    params(("id" = String, Path, description = "The graph's id")),
    security(("OAuth2" = ["WRITE_GRAPH"])),
    responses((status = 200, description = "Deleted", body = GraphRemoved),
        (status = 404, description = "No such graph", body = ErrorBody),
        (status = 502, description = "A provider refused to remove a webhook of its triggers; the graph was not deleted",
            body = ErrorBody)))]
pub async fn delete_graph(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Json<GraphRemoved>, ApiError> {
    graph_triggers::delete_graph(&state, &caller.user.id, &id).await?;
    Ok(Json(GraphRemoved { deleted: true }))
}

/// Queues a run of a graph version.
#[utoipa::path(post, path = "/external-api/v1/graphs/{id}/execute/{version}", tag = "graphs",
    operation_id = "execute_graph",
    summary = "Run a graph version: queued, answered at once with the run's id",
    params(("id" = String, Path, description = "The graph's id"),
        ("version" = u32, Path, description = "The version to run"),
        ("Idempotency-Key" = Option<String>, Header, description = "The same key within 24 h answers the same run"),
        ExecuteGraphQuery),
    request_body = ExecuteGraphBody,
    security(("OAuth2" = ["EXECUTE_GRAPH"])),
    responses((status = 200, description = "Queued", body = GraphExecution),
        (status = 404, description = "No such graph or version", body = ErrorBody),
        (status = 409, description = "A request with the same Idempotency-Key is in flight", body = ErrorBody),
        (status = 422, description = "The graph or the inputs have problems; every one is listed with its JSON \
            pointer (`/node_input/topic`, `/credentials_inputs/...`)", body = ErrorBody)))]
pub async fn execute_graph(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((id, version)): Path<(String, u32)>,
    query: Result<Query<ExecuteGraphQuery>, QueryRejection>,
    JsonBody(body): JsonBody<ExecuteGraphBody>,
) -> Result<Json<GraphExecution>, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    if let Some(url) = &query.callback_url {
        callbacks::check_url(&state, &caller.user.id, url).await?;
    }
    let request = GraphRunRequest {
        version: Some(version),
        credentials_inputs: body.credentials_inputs,
        callback_url: query.callback_url,
        ..GraphRunRequest::new(&caller.user.id, &id, body.node_input, RunSource::Api)
    };
    let run = graphs::start_run(&state, request).await?;
    Ok(Json(GraphExecution { id: run.id }))
}

/// A graph run's results.
#[utoipa::path(get, path = "/external-api/v1/graphs/{id}/executions/{exec_id}/results", tag = "graphs",
    operation_id = "get_graph_execution_results",
    summary = "A graph run's status, node executions and outputs (the reference's shape)",
    params(("id" = String, Path, description = "The graph's id"),
        ("exec_id" = String, Path, description = "The graph run's id")),
    security(("OAuth2" = ["READ_GRAPH"])),
    responses((status = 200, description = "The results", body = GraphResults),
        (status = 404, description = "No such graph run: `Graph execution #<id> not found.`", body = ErrorBody)))]
pub async fn execution_results(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((id, exec_id)): Path<(String, String)>,
) -> Result<Json<GraphResults>, ApiError> {
    Ok(Json(graphs::results(&state, &caller.user.id, &id, &exec_id).await?))
}
