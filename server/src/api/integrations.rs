//! Providers and the caller's credentials: list, create, delete.
//!
//! Responses carry credentials' meta `{id, provider, type, title}` only; secrets go
//! in (sealed into the storage) and never come out.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use block_core::credentials::{CredentialStore, CredentialsType, StoreError, StoredCredentials};
use block_core::provider::ProviderDescriptor;
use serde_json::{Value, json};
use std::sync::Arc;

use super::{ApiError, body};
use crate::auth::Caller;
use crate::cli::Redactor;
use crate::credential_store::ListedCredentials;
use crate::ids::uuid_v4;
use crate::state::AppState;

/// Every provider.
pub async fn providers(State(state): State<AppState>) -> Json<Value> {
    Json(state.registry.providers_json())
}

/// The caller's credentials and the platform defaults, all providers.
pub async fn list_all(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
) -> Result<Json<Vec<ListedCredentials>>, ApiError> {
    Ok(Json(state.credentials.list_listed(&caller.user.id).await.map_err(store_error)?))
}

/// The caller's credentials of one provider.
pub async fn list_for_provider(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
    Path(provider): Path<String>,
) -> Result<Json<Vec<ListedCredentials>>, ApiError> {
    let provider = find_provider(&state, &provider)?;
    let all = state.credentials.list_listed(&caller.user.id).await.map_err(store_error)?;
    Ok(Json(all.into_iter().filter(|listed| listed.meta.provider == provider.name).collect()))
}

/// Stores new credentials; 201 with their meta.
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
    Path(provider): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let provider = find_provider(&state, &provider)?;
    let raw = body::raw(body)?;
    let Value::Object(mut fields) = body::json_value(&raw)? else {
        return Err(ApiError::invalid_body("the body must be an object with `type` and the credentials' fields"));
    };
    let kind = fields
        .get("type")
        .and_then(|kind| serde_json::from_value::<CredentialsType>(kind.clone()).ok())
        .ok_or_else(|| ApiError::invalid_body("`type` must be one of `api_key`, `user_password`, `host_scoped`"))?;
    let accepted = provider.credential_types();
    if kind == CredentialsType::OAuth2 {
        return Err(ApiError::invalid_body("OAuth 2 credentials are connected through the provider's OAuth flow"));
    }
    if !accepted.contains(&kind) {
        let names: Vec<&str> = accepted.iter().map(|kind| kind.as_str()).collect();
        return Err(ApiError::invalid_body(format!(
            "`{}` does not take {kind} credentials; it takes {}",
            provider.name,
            if names.is_empty() { "none".to_owned() } else { names.join(", ") }
        )));
    }
    let id = uuid_v4().ok_or_else(|| ApiError::internal("the random source failed", "uuid"))?;
    let title = match fields.get("title") {
        Some(Value::String(title)) if !title.trim().is_empty() => title.clone(),
        _ => format!("{} {}", provider.display_name, kind.as_str().replace('_', " ")),
    };
    fields.insert("id".into(), Value::String(id));
    fields.insert("provider".into(), Value::String(provider.name.to_owned()));
    fields.insert("title".into(), Value::String(title));
    let mut redactor = Redactor::default();
    redactor.add_json(&Value::Object(fields.clone()));
    let stored = StoredCredentials::from_secret_json(Value::Object(fields))
        .map_err(|error| ApiError::invalid_body(redactor.apply(&error.to_string())))?;
    let meta = stored.meta().clone();
    state.credentials.put(&caller.user.id, stored).await.map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(meta)).into_response())
}

/// Deletes the caller's credentials; platform defaults cannot be deleted.
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
    Path((provider, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let provider = find_provider(&state, &provider)?;
    if state.credentials.is_platform(&id) {
        return Err(platform_error(&id));
    }
    let user = &caller.user.id;
    let not_found =
        || ApiError::not_found("credentials_not_found", format!("no `{}` credentials `{id}`", provider.name));
    let existing = state.credentials.get(user, &id).await.map_err(store_error)?.ok_or_else(not_found)?;
    if existing.meta().provider != provider.name {
        return Err(not_found());
    }
    // Webhooks registered with these credentials go first, while the credentials
    // can still deregister them at the provider.
    let mut webhooks_removed = 0;
    for webhook in state.storage.webhooks_of(user).await? {
        if webhook.credentials_id.as_deref() == Some(id.as_str()) {
            super::webhooks::remove_webhook(&state, user, &webhook.id).await?;
            webhooks_removed += 1;
        }
    }
    // Revocation at the provider is best effort: the answer says how it went, and
    // the credentials are deleted here whatever the provider said.
    let revoked = match (&existing, state.oauth.get(provider.name)) {
        (StoredCredentials::OAuth2(tokens), Some(handler)) => match handler.revoke(&state.http, tokens).await {
            Ok(revoked) => json!(revoked),
            Err(error) => {
                tracing::warn!(%error, provider = provider.name, "revoking credentials at the provider failed");
                json!(false)
            }
        },
        _ => Value::Null,
    };
    state.credentials.delete(user, &id).await.map_err(store_error)?;
    Ok(Json(json!({"deleted": true, "revoked": revoked, "webhooks_removed": webhooks_removed})))
}

fn find_provider(state: &AppState, name: &str) -> Result<&'static ProviderDescriptor, ApiError> {
    state
        .registry
        .provider(name)
        .ok_or_else(|| ApiError::not_found("provider_not_found", format!("no provider is named `{name}`")))
}

fn platform_error(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "platform_credentials",
        format!("credentials `{id}` are platform defaults: they can be used but not changed or deleted"),
    )
}

/// A credential store failure as an answer.
pub fn store_error(error: StoreError) -> ApiError {
    match error {
        StoreError::PlatformCredentials(id) => platform_error(&id),
        StoreError::NotFound(id) => ApiError::not_found("credentials_not_found", format!("no credentials `{id}`")),
        other => ApiError::internal("the credential store failed", other),
    }
}
