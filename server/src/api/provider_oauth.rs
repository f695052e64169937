//! Connecting an account at a provider: `POST .../oauth/initiate` and
//! `POST .../oauth/complete`.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::extract::{Authed, JsonBody};
use super::{ApiError, ErrorBody};
use crate::services::AppState;
use crate::services::provider_login::{self, Connected, Initiated};

/// What `initiate` takes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InitiateBody {
    /// Where the provider sends the user back; its origin must be allowed.
    #[schema(format = "uri")]
    pub callback_url: String,
    /// The scopes to ask for.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Anything the caller wants back from `complete`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub state_metadata: Map<String, Value>,
}

/// What `complete` takes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CompleteBody {
    /// The code the provider sent to the callback.
    pub code: String,
    /// The state token `initiate` gave.
    pub state_token: String,
}

/// Starts connecting an account: the provider's login URL.
#[utoipa::path(post, path = "/external-api/v1/integrations/{provider}/oauth/initiate", tag = "integrations",
    operation_id = "initiate_oauth", summary = "Start connecting an account at a provider: {login_url, state_token, expires_at}",
    params(("provider" = String, Path, description = "The provider's slug")),
    request_body = InitiateBody,
    security(("OAuth2" = ["MANAGE_INTEGRATIONS"])),
    responses((status = 200, description = "Where to send the user", body = Initiated),
        (status = 400, description = "The callback's origin is not allowed, or the body is not JSON", body = ErrorBody),
        (status = 404, description = "No such provider", body = ErrorBody),
        (status = 422, description = "The body does not fit", body = ErrorBody),
        (status = 501, description = "The provider has no OAuth app configured on this server", body = ErrorBody)))]
pub async fn initiate(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(provider): Path<String>,
    JsonBody(body): JsonBody<InitiateBody>,
) -> Result<Json<Initiated>, ApiError> {
    let initiated = provider_login::initiate(
        &state,
        &caller.user.id,
        &provider,
        &body.callback_url,
        body.scopes,
        body.state_metadata,
    )
    .await?;
    Ok(Json(initiated))
}

/// Finishes connecting an account: the new OAuth credentials.
#[utoipa::path(post, path = "/external-api/v1/integrations/{provider}/oauth/complete", tag = "integrations",
    operation_id = "complete_oauth",
    summary = "Finish connecting an account: exchange the provider's code, store the OAuth credentials",
    params(("provider" = String, Path, description = "The provider's slug")),
    request_body = CompleteBody,
    security(("OAuth2" = ["MANAGE_INTEGRATIONS"])),
    responses((status = 200, description = "Connected", body = Connected),
        (status = 400, description = "The state token is unknown, used, expired or another user's, or the provider \
            refused the code", body = ErrorBody),
        (status = 404, description = "No such provider", body = ErrorBody),
        (status = 422, description = "The body does not fit", body = ErrorBody),
        (status = 501, description = "The provider has no OAuth app configured on this server", body = ErrorBody),
        (status = 502, description = "The provider could not be reached", body = ErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(provider): Path<String>,
    JsonBody(body): JsonBody<CompleteBody>,
) -> Result<Json<Connected>, ApiError> {
    Ok(Json(provider_login::complete(&state, &caller.user.id, &provider, &body.code, &body.state_token).await?))
}
