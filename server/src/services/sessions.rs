//! Signed-in browsers: a one-time sign-in link (from `block-server login-link`
//! or the first start) is spent for a session secret, which the browser keeps
//! in a cookie; the session names the user until it expires.

use std::time::Duration;

use crate::domain::secrets::{self, SESSION_PREFIX};
use crate::domain::{OAuthToken, TokenKind, User, new_id, now_unix, seconds};
use crate::services::auth::Presented;
use crate::services::{AppState, Refusal, ServiceError};

/// A session just opened.
#[derive(Debug)]
pub struct Session {
    /// The secret the browser keeps (`bss_...`).
    pub secret: String,
    /// How long it lives.
    pub lifetime: Duration,
    /// The user it acts for.
    pub user_id: String,
}

/// Why a sign-in link was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefused {
    /// Unknown, used or expired.
    NotValid,
    /// The server failed (logged).
    Failed,
}

/// Spends the sign-in link `token` (once) and opens a session for its user.
pub async fn sign_in(state: &AppState, token: &str) -> Result<Session, SignInRefused> {
    let link = match state.storage().consume_oauth_token(&secrets::hash(token)).await {
        Ok(Some(link)) if link.kind == TokenKind::Login && link.used_at.is_none() && link.is_live(now_unix()) => link,
        Ok(_) => return Err(SignInRefused::NotValid),
        Err(error) => {
            tracing::error!(%error, "the storage failed");
            return Err(SignInRefused::Failed);
        }
    };
    open(state, &link.user_id).await
}

/// Opens a session for the user an API key belongs to (the console's sign-in
/// page accepts a key instead of a link). The key is checked like any API
/// request's, under the same per-address failure limit.
pub async fn sign_in_with_key(
    state: &AppState,
    key: &str,
    client: Option<std::net::IpAddr>,
) -> Result<Session, ServiceError> {
    let caller = state.authenticator().authenticate(Presented::ApiKey(key.trim()), client).await?;
    open(state, &caller.user.id).await.map_err(|_| {
        ServiceError::new(Refusal::Internal, "internal", "the session could not be opened; see the server log")
    })
}

async fn open(state: &AppState, user_id: &str) -> Result<Session, SignInRefused> {
    let secret = secrets::new_secret(SESSION_PREFIX).ok_or(SignInRefused::Failed)?;
    let lifetime = state.settings().oauth.session;
    let stored = state
        .storage()
        .put_oauth_token(OAuthToken {
            hash: secrets::hash(&secret),
            kind: TokenKind::Session,
            client_id: None,
            user_id: user_id.to_owned(),
            scopes: Vec::new(),
            family: new_id(),
            redirect_uri: None,
            code_challenge: None,
            resource: None,
            expires_at: now_unix().saturating_add(seconds(lifetime)),
            used_at: None,
            revoked_at: None,
        })
        .await;
    if let Err(error) = stored {
        tracing::error!(%error, "the storage failed");
        return Err(SignInRefused::Failed);
    }
    Ok(Session { secret, lifetime, user_id: user_id.to_owned() })
}

/// The user a live session secret acts for.
pub async fn user_of(state: &AppState, secret: &str) -> Option<String> {
    let token = state.storage().oauth_token(&secrets::hash(secret)).await.ok()??;
    (token.kind == TokenKind::Session && token.is_live(now_unix())).then_some(token.user_id)
}

/// The user a live session secret acts for, in full.
pub async fn viewer_of(state: &AppState, secret: &str) -> Option<User> {
    let user_id = user_of(state, secret).await?;
    state.storage().user(&user_id).await.ok()?
}

/// Ends a session.
pub async fn sign_out(state: &AppState, secret: &str) {
    if let Err(error) = state.storage().revoke_oauth_token(&secrets::hash(secret)).await {
        tracing::warn!(%error, "ending a session failed");
    }
}

/// The anti-forgery value of forms shown to a session, derived from it so that
/// nothing else has to be stored.
pub fn csrf_for(secret: &str) -> String {
    secrets::csrf_for(secret)
}
