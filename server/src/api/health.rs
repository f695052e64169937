//! `GET /healthz`.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiError, ErrorBody};
use crate::services::{AppState, Refusal, ServiceError};

/// The server and its storage answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
}

/// Whether the server and its storage answer.
#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "health",
    summary = "Whether the server and its storage answer",
    responses((status = 200, description = "Healthy", body = Health),
        (status = 503, description = "The storage does not answer", body = ErrorBody)))]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    match state.storage().ping().await {
        Ok(()) => Ok(Json(Health { status: "ok" })),
        Err(error) => {
            tracing::error!(%error, "health check: the storage does not answer");
            Err(ServiceError::new(Refusal::Unavailable, "storage_unavailable", "the storage does not answer").into())
        }
    }
}
