//! Connecting a user's account at a provider over OAuth: `initiate` gives the
//! provider's login URL (with state and PKCE), `complete` exchanges the code the
//! provider sent back and stores the OAuth credentials, sealed.
//!
//! The PKCE verifier and the caller's `state_metadata` are kept sealed until
//! completion; the state token is stored by its hash, works once, for the user
//! who started, within the provider-login lifetime.

use std::sync::Arc;

use block_core::ExposeSecret;
use block_core::credentials::{CredentialStore, CredentialsMeta, CredentialsType, StoredCredentials};
use block_core::oauth::{OAuthError, OAuthHandler, Pkce, random_token};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{AppState, Refusal, ServiceError};
use crate::domain::{ProviderLogin, new_id, now_unix, seconds, secrets};

/// A login under way: where to send the user.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Initiated {
    /// The provider's consent page.
    pub login_url: String,
    /// What `complete` needs back, with the provider's code.
    pub state_token: String,
    /// Unix seconds after which `complete` refuses it.
    pub expires_at: i64,
}

/// Credentials connected by [`complete`].
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Connected {
    /// The new credentials' id.
    pub credentials_id: String,
    /// The provider.
    pub provider: String,
    /// `oauth2`.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: CredentialsType,
    /// A title naming the account.
    pub title: Option<String>,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// The account at the provider, if it can tell.
    pub username: Option<String>,
    /// What the caller gave at `initiate`.
    #[schema(value_type = Object)]
    pub state_metadata: Map<String, Value>,
}

fn handler(state: &AppState, provider: &str) -> Result<Arc<dyn OAuthHandler>, ServiceError> {
    super::credentials::provider(state, provider)?;
    state.oauth_handlers().get(provider).cloned().ok_or_else(|| {
        ServiceError::new(
            Refusal::NotImplemented,
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
    let own = url::Url::parse(&state.settings().public_url).ok().map(|url| origin(&url));
    own.as_deref() == Some(wanted.as_str())
        || state.settings().oauth_callback_origins.iter().any(|allowed| allowed.trim_end_matches('/') == wanted)
}

fn context(state_hash: &[u8; 32]) -> String {
    let hex: String = state_hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("provider-login/{hex}")
}

/// Starts connecting `user_id`'s account at `provider`; the provider sends the
/// user back to `callback_url` (whose origin must be allowed).
pub async fn initiate(
    state: &AppState,
    user_id: &str,
    provider: &str,
    callback_url: &str,
    scopes: Vec<String>,
    state_metadata: Map<String, Value>,
) -> Result<Initiated, ServiceError> {
    let handler = handler(state, provider)?;
    let callback = url::Url::parse(callback_url)
        .map_err(|error| ServiceError::invalid_body(format!("callback_url is not a URL: {error}")))?;
    if !callback_allowed(state, &callback) {
        return Err(ServiceError::bad_request(
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
        .authorize_url(callback.as_str(), &scopes, &state_token, &pkce)
        .map_err(|error| ServiceError::internal("the login URL could not be built", error))?;
    let state_hash = secrets::hash(&state_token);
    let secret = json!({"verifier": pkce.verifier().expose_secret(), "state_metadata": state_metadata});
    let sealed = state
        .cipher()
        .seal(&context(&state_hash), secret.to_string().as_bytes())
        .map_err(|error| ServiceError::internal("the login could not be sealed", error))?;
    let expires_at = now_unix().saturating_add(seconds(state.settings().oauth.provider_login));
    state
        .storage()
        .put_provider_login(ProviderLogin {
            state_hash,
            user_id: user_id.to_owned(),
            provider: provider.to_owned(),
            callback_url: callback.to_string(),
            scopes,
            sealed,
            expires_at,
        })
        .await?;
    Ok(Initiated { login_url: login_url.to_string(), state_token, expires_at })
}

/// Finishes connecting: exchanges `code` for tokens and stores them as
/// `user_id`'s OAuth credentials. A code the provider refuses is the caller's
/// problem (bad request); a provider that cannot be reached is a bad gateway.
pub async fn complete(
    state: &AppState,
    user_id: &str,
    provider: &str,
    code: &str,
    state_token: &str,
) -> Result<Connected, ServiceError> {
    let handler = handler(state, provider)?;
    let invalid = || {
        ServiceError::bad_request(
            "invalid_state",
            "the state token is unknown, used, expired or not yours; start again",
        )
    };
    let state_hash = secrets::hash(state_token);
    let login = state.storage().take_provider_login(&state_hash, user_id).await?.ok_or_else(invalid)?;
    if login.user_id != user_id || login.provider != provider || login.expires_at <= now_unix() {
        return Err(invalid());
    }
    let opened = state
        .cipher()
        .open(&context(&state_hash), &login.sealed)
        .map_err(|error| ServiceError::internal("the login could not be opened", error))?;
    let secret: Value =
        serde_json::from_slice(&opened).map_err(|error| ServiceError::internal("a sealed login", error))?;
    let verifier = secret["verifier"].as_str().unwrap_or_default().to_owned();
    let state_metadata = secret["state_metadata"].as_object().cloned().unwrap_or_default();
    let pkce = Pkce::from_verifier(verifier.into());
    let tokens =
        handler.exchange_code(state.http(), code, &login.callback_url, &pkce).await.map_err(|error| match error {
            OAuthError::Provider { .. } | OAuthError::Malformed(_) => {
                ServiceError::bad_request("provider_refused", format!("`{provider}` refused the code: {error}"))
            }
            other => ServiceError::new(
                Refusal::BadGateway,
                "provider_unreachable",
                format!("`{provider}` could not be reached to exchange the code: {other}"),
            ),
        })?;
    let username = handler.username(state.http(), &tokens.access_token).await.unwrap_or_else(|error| {
        tracing::warn!(%error, provider, "the account's user name could not be read");
        None
    });
    let display = state.registry().provider(provider).map_or(provider, |p| p.display_name);
    let meta = CredentialsMeta {
        id: new_id(),
        provider: provider.to_owned(),
        kind: CredentialsType::OAuth2,
        title: Some(match &username {
            Some(name) => format!("{display} ({name})"),
            None => format!("{display} account"),
        }),
    };
    let credentials = tokens.into_credentials(meta, &login.scopes, username);
    let connected = Connected {
        credentials_id: credentials.meta.id.clone(),
        provider: credentials.meta.provider.clone(),
        kind: credentials.meta.kind,
        title: credentials.meta.title.clone(),
        scopes: credentials.scopes.clone(),
        username: credentials.username.clone(),
        state_metadata,
    };
    state.credentials().put(user_id, StoredCredentials::OAuth2(credentials)).await.map_err(ServiceError::from)?;
    Ok(connected)
}
