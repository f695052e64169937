//! `GET /me` and `GET /credits`.

use axum::extract::State;
use axum::{Extension, Json};
use serde_json::{Value, json};
use std::sync::Arc;

use super::ApiError;
use crate::auth::Caller;
use crate::state::AppState;

/// How many ledger rows `GET /credits` shows.
const LEDGER_ROWS: u32 = 50;

/// `{id, name, email, timezone}` of the caller.
pub async fn me(Extension(caller): Extension<Arc<Caller>>) -> Json<Value> {
    let user = &caller.user;
    Json(json!({"id": user.id, "name": user.name, "email": user.email, "timezone": user.timezone}))
}

/// `{balance, ledger: [...]}`, the latest ledger rows first.
pub async fn credits(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
) -> Result<Json<Value>, ApiError> {
    let balance = state.storage.balance(&caller.user.id).await?;
    let ledger = state.storage.ledger(&caller.user.id, LEDGER_ROWS).await?;
    Ok(Json(json!({"balance": balance, "ledger": ledger})))
}
