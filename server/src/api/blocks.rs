//! `GET /blocks` and `GET /blocks/{id}`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use crate::state::AppState;

/// Every enabled block, from the body rendered once at start.
pub async fn list(State(state): State<AppState>) -> Response {
    ([(CONTENT_TYPE, "application/json")], state.listing.clone()).into_response()
}

/// One block's info, by id or name.
pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let block = state.registry.find(&id).ok_or_else(|| unknown_block(&id))?;
    Ok(Json(block.info().clone()).into_response())
}

/// 404 for a block id nobody registered.
pub fn unknown_block(id: &str) -> ApiError {
    ApiError::not_found("block_not_found", format!("no block has the id or name `{id}`"))
}
