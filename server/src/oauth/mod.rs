//! The OAuth 2 authorization server: third-party applications sign users in and
//! call the External API with `Authorization: Bearer <access token>`.
//!
//! - `GET/POST /oauth/authorize`: authorization code grant; PKCE S256 required;
//!   redirect URIs matched exactly; a consent page for a signed-in user.
//! - `GET /oauth/login?token=...`: the one-time sign-in link that
//!   `block-server login-link` prints; it sets the session cookie.
//! - `POST /oauth/token` (`authorization_code`, `refresh_token`), `POST
//!   /oauth/revoke` (RFC 7009), `POST /oauth/introspect` (RFC 7662),
//!   `GET /.well-known/oauth-authorization-server` (RFC 8414).
//!
//! Codes are single-use; a replayed code revokes every token issued from it.
//! Refresh tokens rotate on every use; a replayed one revokes its whole family.
//! Every secret is stored as its SHA-256 and recognisable by its prefix
//! ([`secrets`]). Nothing here logs a secret or redirects to an unregistered URI.

mod authorize;
mod errors;
pub mod secrets;
mod token;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::auth::Scope;
use crate::ids::uuid_v4;
use crate::state::AppState;
use crate::storage::model::now_unix;
use crate::storage::{OAuthToken, Storage, StorageError, TokenKind};

pub use errors::OAuthError;

/// The authorization server's routes (all outside the API-key middleware: they
/// authenticate clients and users themselves).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/oauth/authorize", get(authorize::show).post(authorize::decide))
        .route("/oauth/login", get(authorize::login))
        .route("/oauth/token", post(token::token))
        .route("/oauth/revoke", post(token::revoke))
        .route("/oauth/introspect", post(token::introspect))
}

/// The RFC 8414 metadata document of a server reached at `issuer`.
pub fn metadata_document(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "token_endpoint": format!("{issuer}/oauth/token"),
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "introspection_endpoint": format!("{issuer}/oauth/introspect"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": Scope::ALL.iter().map(|scope| scope.as_str()).collect::<Vec<_>>(),
    })
}

async fn metadata(State(state): State<AppState>) -> Json<Value> {
    Json(metadata_document(&state.settings.public_url))
}

/// Why a sign-in link could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoginLinkError {
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The system random source failed.
    #[error("the system random source failed")]
    Random,
}

/// A one-time sign-in link for `user_id`, valid for `lifetime`: opening it in a
/// browser signs that browser in for the consent page.
pub async fn create_login_link(
    storage: &dyn Storage,
    user_id: &str,
    public_url: &str,
    lifetime: std::time::Duration,
) -> Result<String, LoginLinkError> {
    let secret = secrets::new_secret(secrets::LOGIN_PREFIX).ok_or(LoginLinkError::Random)?;
    storage
        .put_oauth_token(OAuthToken {
            hash: secrets::hash(&secret),
            kind: TokenKind::Login,
            client_id: None,
            user_id: user_id.to_owned(),
            scopes: Vec::new(),
            family: uuid_v4().ok_or(LoginLinkError::Random)?,
            redirect_uri: None,
            code_challenge: None,
            expires_at: now_unix().saturating_add(seconds(lifetime)),
            used_at: None,
            revoked_at: None,
        })
        .await?;
    Ok(format!("{}/oauth/login?token={secret}", public_url.trim_end_matches('/')))
}

/// A lifetime in whole seconds, as stored.
fn seconds(lifetime: std::time::Duration) -> i64 {
    i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX)
}

/// Space-separated scope names, as OAuth spells them.
fn scope_string(scopes: &[Scope]) -> String {
    scopes.iter().map(|scope| scope.as_str()).collect::<Vec<_>>().join(" ")
}

/// Parses a `scope` parameter (space- or comma-separated); on error, the unknown
/// name.
fn parse_scopes(text: &str) -> Result<Vec<Scope>, String> {
    Scope::parse_list(&text.replace(' ', ","))
}
