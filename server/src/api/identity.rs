//! `GET /me` and `GET /credits`.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::Authed;
use super::{ApiError, ErrorBody};
use crate::domain::LedgerEntry;
use crate::services::{AppState, accounts};

/// How many ledger rows `GET /credits` shows.
const LEDGER_ROWS: u32 = 50;

/// The user the credentials act for.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// A UUID.
    pub id: String,
    /// The name shown.
    pub name: String,
    /// The e-mail address.
    pub email: String,
    /// An IANA time zone, e.g. `Europe/Paris`.
    pub timezone: String,
}

/// The credit balance and the latest ledger rows, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Credits {
    /// Credits left.
    pub balance: u64,
    /// The latest changes of the balance.
    pub ledger: Vec<LedgerRow>,
}

/// One change of the balance.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerRow {
    /// Increasing row number.
    pub id: i64,
    /// Credits added (positive) or taken (negative).
    pub amount: i64,
    /// The balance after the change.
    pub balance_after: i64,
    /// Why, e.g. `execute CalculatorBlock`.
    pub reason: String,
    /// The execution it was for (`null` for other changes).
    #[schema(required = true)]
    pub execution_id: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

impl From<LedgerEntry> for LedgerRow {
    fn from(entry: LedgerEntry) -> Self {
        LedgerRow {
            id: entry.id,
            amount: entry.amount,
            balance_after: entry.balance_after,
            reason: entry.reason,
            execution_id: entry.execution_id,
            created_at: entry.created_at,
        }
    }
}

/// The user the credentials act for.
#[utoipa::path(get, path = "/external-api/v1/me", tag = "identity", operation_id = "get_me",
    security(("OAuth2" = ["IDENTITY"])),
    responses((status = 200, description = "The user", body = Me)))]
pub async fn me(Authed(caller): Authed) -> Json<Me> {
    let user = &caller.user;
    Json(Me {
        id: user.id.clone(),
        name: user.name.clone(),
        email: user.email.clone(),
        timezone: user.timezone.clone(),
    })
}

/// The credit balance and the latest ledger rows.
#[utoipa::path(get, path = "/external-api/v1/credits", tag = "identity", operation_id = "get_credits",
    security(("OAuth2" = ["IDENTITY"])),
    responses((status = 200, description = "The balance and ledger", body = Credits),
        (status = 503, description = "The storage is busy", body = ErrorBody)))]
pub async fn credits(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<Credits>, ApiError> {
    let (balance, ledger) = accounts::credits(&state, &caller.user.id, LEDGER_ROWS).await?;
    Ok(Json(Credits { balance, ledger: ledger.into_iter().map(LedgerRow::from).collect() }))
}
