//! Connecting a user's account at a provider through the provider's OAuth 2:
//! `POST /integrations/{provider}/oauth/initiate` gives the login URL and a state
//! token; `POST /integrations/{provider}/oauth/complete` exchanges the code the
//! provider sent back and stores the tokens as OAuth credentials.
//!
//! The state token is single-use, lives 10 minutes and is bound to the user who
//! started the login; the PKCE verifier never leaves the server (it is sealed in
//! the storage until the exchange). The callback URL's origin must be on the
//! allow-list, so a login cannot hand the code to someone else's site.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use block_core::ExposeSecret;
use block_core::credentials::{CredentialStore, CredentialsMeta, CredentialsType, StoredCredentials};
use block_core::oauth::{OAuthHandler, Pkce, random_token};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;

use super::integrations::store_error;
use super::{ApiError, body};
use crate::auth::Caller;
use crate::ids::uuid_v4;
use crate::state::AppState;
use crate::storage::ProviderLogin;
use crate::storage::model::now_unix;

#[derive(Debug, Deserialize)]
struct InitiateBody {
    callback_url: String,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    state_metadata: Map<String, Value>,
}

#[derive(Debug, Deserialize)]
struct CompleteBody {
    code: String,
    state_token: String,
}

fn handler<'a>(state: &'a AppState, provider: &str) -> Result<&'a std::sync::Arc<dyn OAuthHandler>, ApiError> {
    if state.registry.provider(provider).is_none() {
        return Err(ApiError::not_found("provider_not_found", format!("no provider is named `{provider}`")));
    }
    state.oauth.get(provider).ok_or_else(|| {
        ApiError::bad_request(
            "oauth_not_configured",
            format!("`{provider}` has no OAuth app configured on this server (see `block-server env-example`)"),
        )
    })
}

fn origin(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

/// Whether `callback` may receive a provider's code.
fn callback_allowed(state: &AppState, callback: &url::Url) -> bool {
    let wanted = origin(callback);
    let own = url::Url::parse(&state.settings.public_url).ok().map(|url| origin(&url));
    own.as_deref() == Some(wanted.as_str())
        || state.settings.oauth_callback_origins.iter().any(|allowed| allowed.trim_end_matches('/') == wanted)
}

fn context(state_hash: &[u8; 32]) -> String {
    let hex: String = state_hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("provider-login/{hex}")
}

/// `POST /integrations/{provider}/oauth/initiate`.
pub async fn initiate(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
    Path(provider): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let handler = handler(&state, &provider)?;
    let request: InitiateBody = serde_json::from_value(body::json_value(&body::raw(raw)?)?).map_err(|error| {
        ApiError::invalid_body(format!("expected {{callback_url, scopes, state_metadata}}: {error}"))
    })?;
    let callback = url::Url::parse(&request.callback_url)
        .map_err(|error| ApiError::invalid_body(format!("callback_url is not a URL: {error}")))?;
    if !callback_allowed(&state, &callback) {
        return Err(ApiError::bad_request(
            "callback_not_allowed",
            format!(
                "the origin {} is not allowed to receive provider logins; add it to BLOCKS_OAUTH_CALLBACK_ORIGINS",
                origin(&callback)
            ),
        ));
    }
    let state_token = random_token(32);
    let pkce = Pkce::new();
    let login_url = handler
        .authorize_url(callback.as_str(), &request.scopes, &state_token, &pkce)
        .map_err(|error| ApiError::internal("the login URL could not be built", error))?;
    let state_hash = crate::oauth::secrets::hash(&state_token);
    let secret = json!({"verifier": pkce.verifier().expose_secret(), "state_metadata": request.state_metadata});
    let sealed = state
        .cipher
        .seal(&context(&state_hash), secret.to_string().as_bytes())
        .map_err(|error| ApiError::internal("the login could not be sealed", error))?;
    state
        .storage
        .put_provider_login(ProviderLogin {
            state_hash,
            user_id: caller.user.id.clone(),
            provider: provider.clone(),
            callback_url: callback.to_string(),
            scopes: request.scopes,
            sealed,
            expires_at: now_unix()
                .saturating_add(i64::try_from(state.settings.oauth.provider_login.as_secs()).unwrap_or(i64::MAX)),
        })
        .await?;
    Ok(Json(json!({"login_url": login_url.as_str(), "state_token": state_token})))
}

/// `POST /integrations/{provider}/oauth/complete`: 201 with the new credentials'
/// meta, scopes and user name.
pub async fn complete(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
    Path(provider): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let handler = handler(&state, &provider)?;
    let request: CompleteBody = serde_json::from_value(body::json_value(&body::raw(raw)?)?)
        .map_err(|error| ApiError::invalid_body(format!("expected {{code, state_token}}: {error}")))?;
    let invalid = || {
        ApiError::bad_request("invalid_state", "the state token is unknown, used, expired or not yours; start again")
    };
    let state_hash = crate::oauth::secrets::hash(&request.state_token);
    let login = state.storage.take_provider_login(&state_hash, &caller.user.id).await?.ok_or_else(invalid)?;
    if login.user_id != caller.user.id || login.provider != provider || login.expires_at <= now_unix() {
        return Err(invalid());
    }
    let opened = state
        .cipher
        .open(&context(&state_hash), &login.sealed)
        .map_err(|error| ApiError::internal("the login could not be opened", error))?;
    let secret: Value = serde_json::from_slice(&opened).map_err(|error| ApiError::internal("a sealed login", error))?;
    let verifier = secret["verifier"].as_str().unwrap_or_default().to_owned();
    let pkce = Pkce::from_verifier(verifier.into());
    let tokens =
        handler.exchange_code(&state.http, &request.code, &login.callback_url, &pkce).await.map_err(|error| {
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "provider_refused",
                format!("`{provider}` refused the code: {error}"),
            )
        })?;
    let username = handler.username(&state.http, &tokens.access_token).await.unwrap_or_else(|error| {
        tracing::warn!(%error, provider, "the account's user name could not be read");
        None
    });
    let display = state.registry.provider(&provider).map_or(provider.as_str(), |p| p.display_name);
    let meta = CredentialsMeta {
        id: uuid_v4().ok_or_else(|| ApiError::internal("the random source failed", "uuid"))?,
        provider: provider.clone(),
        kind: CredentialsType::OAuth2,
        title: Some(match &username {
            Some(name) => format!("{display} ({name})"),
            None => format!("{display} account"),
        }),
    };
    let credentials = tokens.into_credentials(meta, &login.scopes, username);
    let answer = json!({
        "id": credentials.meta.id,
        "provider": credentials.meta.provider,
        "type": credentials.meta.kind,
        "title": credentials.meta.title,
        "scopes": credentials.scopes,
        "username": credentials.username,
    });
    state.credentials.put(&caller.user.id, StoredCredentials::OAuth2(credentials)).await.map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(answer)))
}
