//! OAuth 2, client side: providers' handlers (login URL with state and PKCE S256,
//! code exchange, refresh, revoke) and the executor's single-flight refresh of
//! tokens about to expire.
//!
//! A provider declares its handler in `#[provider(oauth2(...))]`: either the
//! standard endpoints (`authorize_url`, `token_url`, `revoke_url`), served by
//! [`StandardOAuth2`], or `handler = path` to a `fn(OAuthApp) -> Arc<dyn OAuthHandler>`
//! for providers that differ. The app's client id and secret come from the
//! environment variables the declaration names.
//!
//! This module must never log or return a token, a client secret or a code
//! verifier in an error.

mod handlers;
mod refresh;
mod standard;

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

/// PKCE and random tokens live in [`crate::tokens`]; named here too for the OAuth code
/// that has always found them here.
pub use crate::tokens::{Pkce, random_token};
pub use handlers::OAuthHandlers;
pub use refresh::REFRESH_MARGIN_SECS;
pub(crate) use refresh::{RefreshFailure, Refresher, needs_refresh};
pub use standard::StandardOAuth2;

use crate::credentials::{CredentialsMeta, CredentialsType, OAuth2Credentials, now_unix};
use crate::http::{HttpClient, HttpError};

/// Why an OAuth step failed. Never carries a token or secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// The provider answered with an OAuth error (`invalid_grant`, ...).
    #[error("the provider refused: {error}{}", .description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Provider {
        /// The OAuth error code.
        error: String,
        /// The provider's explanation, if any.
        description: Option<String>,
    },
    /// The provider could not answer now: a 5xx, 429 or 408 status, or the OAuth
    /// errors `server_error` and `temporarily_unavailable`. Trying later may work;
    /// nothing is wrong with the credentials.
    #[error("the provider is unavailable (status {status}){}", .retry_after.map(|wait| format!("; it asks to retry in {}s", wait.as_secs())).unwrap_or_default())]
    Unavailable {
        /// The status it answered.
        status: u16,
        /// How long it asked callers to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
    },
    /// The request to the provider failed.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The provider's answer is not a token response.
    #[error("the provider's token response is malformed: {0}")]
    Malformed(String),
    /// The OAuth app is not configured.
    #[error("OAuth for `{provider}` is not configured: set {variable}")]
    NotConfigured {
        /// The provider slug.
        provider: String,
        /// The missing environment variable.
        variable: String,
    },
    /// The provider does not support OAuth 2.
    #[error("provider `{0}` has no OAuth 2 handler")]
    Unsupported(String),
    /// The credentials cannot be refreshed.
    #[error("these credentials have no refresh token; reconnect the account")]
    NoRefreshToken,
    /// A URL could not be built.
    #[error("invalid OAuth URL: {0}")]
    Url(String),
}

impl OAuthError {
    /// Whether the provider, not the credentials, is the problem: it is
    /// [`Unavailable`](OAuthError::Unavailable), or the exchange failed below OAuth
    /// (no connection, a time-out, an address the HTTP policy refuses). A refresh
    /// failing this way says nothing about the user's credentials; one the provider
    /// refuses (`invalid_grant`, ...) means they must be reconnected.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, OAuthError::Unavailable { .. } | OAuthError::Http(_))
    }

    /// How long the provider asked callers to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            OAuthError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The OAuth app a handler acts for.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// The provider slug.
    pub provider: &'static str,
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: SecretString,
}

/// How a provider's OAuth 2 works.
#[derive(Debug, Clone, Copy)]
pub enum OAuthSpec {
    /// RFC 6749 authorization code flow with PKCE, at these endpoints.
    Standard {
        /// The authorization endpoint.
        authorize_url: &'static str,
        /// The token endpoint.
        token_url: &'static str,
        /// The RFC 7009 revocation endpoint, if the provider has one.
        revoke_url: Option<&'static str>,
    },
    /// A handler of the provider's own.
    Custom(fn(OAuthApp) -> Arc<dyn OAuthHandler>),
}

/// Tokens as a token endpoint returns them.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The access token.
    pub access_token: SecretString,
    /// The refresh token, if issued (a rotating provider issues a new one each time).
    pub refresh_token: Option<SecretString>,
    /// Seconds until the access token expires.
    pub expires_in: Option<i64>,
    /// Seconds until the refresh token expires.
    pub refresh_token_expires_in: Option<i64>,
    /// The granted scopes, if the provider says.
    pub scopes: Option<Vec<String>>,
}

impl TokenSet {
    /// New credentials from a completed login.
    pub fn into_credentials(
        self,
        meta: CredentialsMeta,
        requested_scopes: &[String],
        username: Option<String>,
    ) -> OAuth2Credentials {
        let now = now_unix();
        OAuth2Credentials {
            meta: CredentialsMeta { kind: CredentialsType::OAuth2, ..meta },
            access_token: self.access_token,
            access_token_expires_at: self.expires_in.map(|s| now.saturating_add(s)),
            refresh_token: self.refresh_token,
            refresh_token_expires_at: self.refresh_token_expires_in.map(|s| now.saturating_add(s)),
            scopes: self.scopes.unwrap_or_else(|| requested_scopes.to_vec()),
            username,
        }
    }

    /// `old` with the refreshed tokens: a refresh token not re-issued is kept, and
    /// so are scopes the provider does not restate.
    pub fn refreshed(self, old: &OAuth2Credentials) -> OAuth2Credentials {
        let now = now_unix();
        let rotated = self.refresh_token.is_some();
        OAuth2Credentials {
            meta: old.meta.clone(),
            access_token: self.access_token,
            access_token_expires_at: self.expires_in.map(|s| now.saturating_add(s)),
            refresh_token: self.refresh_token.or_else(|| old.refresh_token.clone()),
            refresh_token_expires_at: if rotated {
                self.refresh_token_expires_in.map(|s| now.saturating_add(s))
            } else {
                old.refresh_token_expires_at
            },
            scopes: self.scopes.unwrap_or_else(|| old.scopes.clone()),
            username: old.username.clone(),
        }
    }
}

/// One provider's OAuth 2 client side.
#[async_trait::async_trait]
pub trait OAuthHandler: Send + Sync + 'static {
    /// The URL that sends the user to the provider's consent page.
    fn authorize_url(&self, redirect_uri: &str, scopes: &[String], state: &str, pkce: &Pkce)
    -> Result<Url, OAuthError>;

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    async fn exchange_code(
        &self,
        http: &HttpClient,
        code: &str,
        redirect_uri: &str,
        pkce: &Pkce,
    ) -> Result<TokenSet, OAuthError>;

    /// Gets a new access token with the refresh token.
    async fn refresh(&self, http: &HttpClient, credentials: &OAuth2Credentials) -> Result<TokenSet, OAuthError>;

    /// Revokes the credentials at the provider; `Ok(false)` if it cannot revoke.
    async fn revoke(&self, http: &HttpClient, credentials: &OAuth2Credentials) -> Result<bool, OAuthError>;

    /// The account's user name, if the provider can tell.
    async fn username(&self, _http: &HttpClient, _access_token: &SecretString) -> Result<Option<String>, OAuthError> {
        Ok(None)
    }
}
