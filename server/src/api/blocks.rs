//! `GET /blocks` and `GET /blocks/{id}`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{ApiError, ErrorBody};
use crate::services::{AppState, ServiceError};

/// A block as `GET /blocks` lists it (the reference platform's shape). The body
/// is rendered by the registry once at start; this type documents it, and the
/// test suite checks every answer against it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlockInfo {
    /// A UUID v4.
    #[schema(format = "uuid")]
    pub id: String,
    /// The type name, ending in `Block`.
    pub name: String,
    /// What the block does.
    pub description: String,
    /// The input's JSON schema (draft 2020-12).
    #[schema(value_type = Object)]
    pub input_schema: Value,
    /// The outputs' JSON schema: one property per pin, plus `error`.
    #[schema(value_type = Object)]
    pub output_schema: Value,
    /// Its categories.
    pub categories: Vec<CategoryInfo>,
    /// Who wrote it.
    pub contributors: Vec<Contributor>,
    /// Whether its outputs are static.
    pub static_output: bool,
    /// `Standard`, `Webhook`, `Webhook (manual)`, ...
    pub ui_type: String,
    /// What a run costs.
    pub costs: Vec<CostInfo>,
}

/// A category of a block.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryInfo {
    /// E.g. `BASIC`, `DEVELOPER_TOOLS`.
    #[schema(pattern = "^[A-Z][A-Z_]*$")]
    pub category: String,
    /// What the category holds.
    pub description: String,
}

/// A contributor of a block.
#[derive(Debug, Serialize, ToSchema)]
pub struct Contributor {
    /// Their name.
    pub name: String,
}

/// One cost of a block.
#[derive(Debug, Serialize, ToSchema)]
pub struct CostInfo {
    /// Credits.
    pub cost_amount: u64,
    /// `run`, `byte` or `second`.
    #[schema(value_type = CostType)]
    pub cost_type: String,
    /// The input values (e.g. platform credentials) the cost applies to.
    #[schema(value_type = Object)]
    pub cost_filter: Value,
}

/// What a cost is counted in (the values of `cost_type`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation: the registry renders the listing, costs included, once at start")]
pub enum CostType {
    /// Each run.
    Run,
    /// Each byte of input.
    Byte,
    /// Each second the run takes.
    Second,
}

/// Every enabled block, from the body rendered once at start.
#[utoipa::path(get, path = "/external-api/v1/blocks", tag = "blocks", operation_id = "list_blocks",
    summary = "Every enabled block with its schemas and costs",
    security(("OAuth2" = ["READ_BLOCK"])),
    responses((status = 200, description = "The blocks", body = Vec<BlockInfo>)))]
pub async fn list(State(state): State<AppState>) -> Response {
    ([(CONTENT_TYPE, "application/json")], state.listing().clone()).into_response()
}

/// One block's info, by id or name.
#[utoipa::path(get, path = "/external-api/v1/blocks/{id}", tag = "blocks", operation_id = "get_block",
    summary = "One block, by id or name",
    params(("id" = String, Path, description = "The block's id or name")),
    security(("OAuth2" = ["READ_BLOCK"])),
    responses((status = 200, description = "The block", body = BlockInfo),
        (status = 404, description = "No such block", body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let block = state.registry().find(&id).ok_or_else(|| ServiceError::unknown_block(&id))?;
    Ok(Json(block.info().clone()))
}
