//! Providers and the caller's credentials: list, create, delete.
//!
//! Answers carry credentials' meta and what is not secret; secrets go in (sealed
//! into the storage) and never come out.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use block_core::credentials::{CredentialsMeta, CredentialsType};
use block_core::provider::ProviderDescriptor;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::extract::{Authed, JsonBody};
use super::{ApiError, ErrorBody};
use crate::services::AppState;
use crate::services::credentials::{self, ListedCredentials};

/// A kind of credentials, as the wire names it (the values of `type`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation: block-core's `CredentialsType` writes these values")]
pub enum CredentialsKind {
    /// An API key.
    ApiKey,
    /// OAuth 2 tokens.
    Oauth2,
    /// A user name and password (HTTP Basic).
    UserPassword,
    /// Headers sent only to one host.
    HostScoped,
}

/// A provider blocks can reach.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderItem {
    /// The slug, e.g. `github`.
    pub name: String,
    /// The name shown.
    pub display_name: String,
    /// An icon URL.
    pub icon: String,
    /// The credential kinds it takes.
    #[schema(value_type = Vec<CredentialsKind>)]
    pub supported_auth_types: Vec<CredentialsType>,
    /// The scopes an OAuth login asks for by default.
    pub default_scopes: Vec<String>,
    /// Origins its credentials may be sent to.
    pub trusted_origins: Vec<String>,
    /// Whether accounts connect over OAuth 2.
    pub supports_oauth: bool,
    /// Whether it takes API keys.
    pub supports_api_key: bool,
    /// Whether it takes a user name and password.
    pub supports_user_password: bool,
    /// Whether it takes host-scoped headers.
    pub supports_host_scoped: bool,
}

impl ProviderItem {
    fn of(provider: &ProviderDescriptor) -> Self {
        let info = provider.info();
        let strings = |key: &str| -> Vec<String> {
            info.get(key)
                .and_then(Value::as_array)
                .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default()
        };
        let kinds = provider.credential_types();
        ProviderItem {
            name: provider.name.to_owned(),
            display_name: provider.display_name.to_owned(),
            icon: info.get("icon").and_then(Value::as_str).unwrap_or_default().to_owned(),
            default_scopes: strings("default_scopes"),
            trusted_origins: provider.trusted_origins.iter().map(|origin| (*origin).to_owned()).collect(),
            supports_oauth: kinds.contains(&CredentialsType::OAuth2),
            supports_api_key: kinds.contains(&CredentialsType::ApiKey),
            supports_user_password: kinds.contains(&CredentialsType::UserPassword),
            supports_host_scoped: kinds.contains(&CredentialsType::HostScoped),
            supported_auth_types: kinds,
        }
    }
}

/// Credentials as lists show them: never a secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialsItem {
    /// Their id.
    pub id: String,
    /// The provider.
    pub provider: String,
    /// `api_key`, `oauth2`, `user_password` or `host_scoped`.
    #[serde(rename = "type")]
    #[schema(value_type = CredentialsKind)]
    pub kind: CredentialsType,
    /// A title (`null` when none was given).
    #[schema(required = true)]
    pub title: Option<String>,
    /// The scopes OAuth 2 credentials were granted (`null` for other kinds).
    #[schema(required = true)]
    pub scopes: Option<Vec<String>>,
    /// The account of OAuth 2 credentials, or the username of a user/password
    /// pair (`null` for other kinds, or when the provider does not tell).
    #[schema(required = true)]
    pub username: Option<String>,
    /// The host host-scoped headers are sent to (`null` for other kinds).
    #[schema(required = true)]
    pub host: Option<String>,
}

impl From<ListedCredentials> for CredentialsItem {
    fn from(listed: ListedCredentials) -> Self {
        let CredentialsMeta { id, provider, kind, title } = listed.meta;
        CredentialsItem {
            id,
            provider,
            kind,
            title,
            scopes: listed.scopes,
            username: listed.username,
            host: listed.host,
        }
    }
}

/// Stored credentials' meta.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialsMetaBody {
    /// Their id.
    pub id: String,
    /// The provider.
    pub provider: String,
    /// The kind.
    #[serde(rename = "type")]
    #[schema(value_type = CredentialsKind)]
    pub kind: CredentialsType,
    /// A title (`null` when none was given).
    #[schema(required = true)]
    pub title: Option<String>,
}

/// New credentials, discriminated on `type`. The secret fields are stored sealed
/// and never returned. (Documentation: the service reads the body as the kind's
/// own JSON, so that its errors name fields without quoting secrets.)
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NewCredentials {
    /// An API key.
    ApiKey {
        /// A title.
        title: Option<String>,
        /// The key.
        #[schema(write_only)]
        api_key: String,
        /// Unix seconds it expires at.
        expires_at: Option<i64>,
    },
    /// A user name and password (HTTP Basic).
    UserPassword {
        /// A title.
        title: Option<String>,
        /// The user name.
        username: String,
        /// The password.
        #[schema(write_only)]
        password: String,
    },
    /// Headers sent only to one host (`api.example.com` or `*.example.com`).
    HostScoped {
        /// A title.
        title: Option<String>,
        /// The host.
        host: String,
        /// The headers.
        #[schema(write_only)]
        headers: std::collections::BTreeMap<String, String>,
    },
}

/// What deleting credentials did.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialsDeleted {
    /// Always `true`.
    pub deleted: bool,
    /// The credentials deleted.
    pub credentials_id: String,
    /// Whether the provider revoked them (`null` when it cannot revoke this kind).
    #[schema(required = true)]
    pub revoked: Option<bool>,
    /// Webhooks registered with them, removed first.
    pub webhooks_removed: usize,
}

/// Every provider.
#[utoipa::path(get, path = "/external-api/v1/integrations/providers", tag = "integrations",
    operation_id = "list_providers", summary = "Every provider: name, display name, icon, auth types",
    security(("OAuth2" = ["READ_INTEGRATIONS"])),
    responses((status = 200, description = "The providers", body = Vec<ProviderItem>)))]
pub async fn providers(State(state): State<AppState>) -> Json<Vec<ProviderItem>> {
    Json(state.registry().providers().iter().map(|provider| ProviderItem::of(provider)).collect())
}

/// The caller's credentials and the platform defaults, all providers.
#[utoipa::path(get, path = "/external-api/v1/integrations/credentials", tag = "integrations",
    operation_id = "list_credentials", summary = "The caller's credentials (meta only) and the platform defaults",
    security(("OAuth2" = ["READ_INTEGRATIONS"])),
    responses((status = 200, description = "The credentials", body = Vec<CredentialsItem>)))]
pub async fn list_all(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<Vec<CredentialsItem>>, ApiError> {
    let listed = credentials::list(&state, &caller.user.id).await?;
    Ok(Json(listed.into_iter().map(CredentialsItem::from).collect()))
}

/// The caller's credentials of one provider (none for a provider that does not
/// exist, as the reference answers).
#[utoipa::path(get, path = "/external-api/v1/integrations/{provider}/credentials", tag = "integrations",
    operation_id = "list_provider_credentials", summary = "The caller's credentials of one provider",
    params(("provider" = String, Path, description = "The provider's slug")),
    security(("OAuth2" = ["READ_INTEGRATIONS"])),
    responses((status = 200, description = "The credentials", body = Vec<CredentialsItem>)))]
pub async fn list_for_provider(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(provider): Path<String>,
) -> Result<Json<Vec<CredentialsItem>>, ApiError> {
    let listed = credentials::list(&state, &caller.user.id).await?;
    Ok(Json(listed.into_iter().filter(|listed| listed.meta.provider == provider).map(CredentialsItem::from).collect()))
}

/// Stores new credentials; 201 with their meta.
#[utoipa::path(post, path = "/external-api/v1/integrations/{provider}/credentials", tag = "integrations",
    operation_id = "create_credentials", summary = "Store credentials (API key, user+password or host-scoped)",
    params(("provider" = String, Path, description = "The provider's slug")),
    request_body = NewCredentials,
    security(("OAuth2" = ["MANAGE_INTEGRATIONS"])),
    responses((status = 201, description = "Stored", body = CredentialsMetaBody),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 404, description = "No such provider", body = ErrorBody),
        (status = 422, description = "Invalid credentials", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(provider): Path<String>,
    JsonBody(fields): JsonBody<Value>,
) -> Result<(StatusCode, Json<CredentialsMetaBody>), ApiError> {
    let provider = credentials::provider(&state, &provider)?;
    let Value::Object(fields) = fields else {
        return Err(crate::services::ServiceError::invalid_body(
            "the body must be an object with `type` and the credentials' fields",
        )
        .into());
    };
    let fields: Map<String, Value> = fields;
    let CredentialsMeta { id, provider, kind, title } =
        credentials::create(&state, &caller.user.id, provider, fields).await?;
    Ok((StatusCode::CREATED, Json(CredentialsMetaBody { id, provider, kind, title })))
}

/// Deletes the caller's credentials; platform defaults cannot be deleted.
#[utoipa::path(delete, path = "/external-api/v1/integrations/{provider}/credentials/{cred_id}",
    tag = "integrations", operation_id = "delete_credentials", summary = "Delete stored credentials",
    params(("provider" = String, Path, description = "The provider's slug"),
        ("cred_id" = String, Path, description = "The credentials' id")),
    security(("OAuth2" = ["DELETE_INTEGRATIONS"])),
    responses((status = 200, description = "Deleted", body = CredentialsDeleted),
        (status = 403, description = "Platform default credentials cannot be deleted", body = ErrorBody),
        (status = 404, description = "No such credentials or provider", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((provider, id)): Path<(String, String)>,
) -> Result<Json<CredentialsDeleted>, ApiError> {
    let provider = credentials::provider(&state, &provider)?;
    let deleted = credentials::delete(&state, &caller.user.id, provider, &id).await?;
    Ok(Json(CredentialsDeleted {
        deleted: true,
        credentials_id: id,
        revoked: deleted.revoked,
        webhooks_removed: deleted.webhooks_removed,
    }))
}
