//! The local user, API keys and one-time sign-in links: what the first start,
//! `block-server keys` and `block-server login-link` create.

use std::time::Duration;

use crate::domain::secrets::{self, GeneratedKey, LOGIN_PREFIX};
use crate::domain::{
    ApiKeyRecord, KeyStatus, NewApiKey, OAuthToken, Scope, TokenKind, User, new_id, now_unix, seconds,
};
use crate::storage::{AccountStore, OAuthStore, StorageError};

/// Why a user, a key or a link could not be created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BootstrapError {
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The system random source failed.
    #[error("the system random source failed")]
    Random,
}

/// The local user, created with `starting_credits` if the storage has no user yet;
/// `true` when it was created just now.
pub async fn local_user(storage: &dyn AccountStore, starting_credits: u64) -> Result<(User, bool), BootstrapError> {
    if let Some(user) = storage.first_user().await? {
        return Ok((user, false));
    }
    let user = User {
        id: new_id(),
        name: "Local user".to_owned(),
        email: "local@localhost".to_owned(),
        timezone: "UTC".to_owned(),
    };
    storage.create_user(user.clone(), starting_credits).await?;
    // Processes sharing a database may start together and each create one:
    // the first created is the local user of all of them, and only its
    // creator greets it.
    match storage.first_user().await? {
        Some(first) if first.id != user.id => Ok((first, false)),
        _ => Ok((user, true)),
    }
}

/// A new API key of `user_id`: the key (to show once) and its stored record.
pub async fn create_api_key(
    storage: &dyn AccountStore,
    user_id: &str,
    name: &str,
    scopes: Vec<Scope>,
) -> Result<(GeneratedKey, ApiKeyRecord), BootstrapError> {
    let generated = secrets::generate_api_key().ok_or(BootstrapError::Random)?;
    let record = storage
        .create_api_key(NewApiKey {
            id: new_id(),
            user_id: user_id.to_owned(),
            name: name.to_owned(),
            hash: generated.hash,
            hint: generated.hint.clone(),
            scopes,
        })
        .await?;
    Ok((generated, record))
}

/// A one-time sign-in link for `user_id`, valid for `lifetime`: opening it in a
/// browser signs that browser in for the consent page of the authorization
/// server.
pub async fn create_login_link(
    storage: &dyn OAuthStore,
    user_id: &str,
    public_url: &str,
    lifetime: Duration,
) -> Result<String, BootstrapError> {
    let secret = login_secret(storage, user_id, lifetime).await?;
    Ok(format!("{}/oauth/login?token={secret}", public_url.trim_end_matches('/')))
}

/// A one-time sign-in link to the web console for `user_id`, valid for
/// `lifetime`: the session it opens also serves the OAuth consent page.
pub async fn create_console_link(
    storage: &dyn OAuthStore,
    user_id: &str,
    public_url: &str,
    lifetime: Duration,
) -> Result<String, BootstrapError> {
    let secret = login_secret(storage, user_id, lifetime).await?;
    Ok(format!("{}/login?token={secret}", public_url.trim_end_matches('/')))
}

async fn login_secret(storage: &dyn OAuthStore, user_id: &str, lifetime: Duration) -> Result<String, BootstrapError> {
    let secret = secrets::new_secret(LOGIN_PREFIX).ok_or(BootstrapError::Random)?;
    storage
        .put_oauth_token(OAuthToken {
            hash: secrets::hash(&secret),
            kind: TokenKind::Login,
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
        .await?;
    Ok(secret)
}

/// `user_id`'s credit balance and the latest `rows` ledger rows, newest first.
pub async fn credits(
    state: &super::AppState,
    user_id: &str,
    rows: u32,
) -> Result<(u64, Vec<crate::domain::LedgerEntry>), super::ServiceError> {
    let balance = state.storage().balance(user_id).await?;
    let ledger = state.storage().ledger(user_id, rows).await?;
    Ok((balance, ledger))
}

/// `user_id`'s API keys, oldest first (records only: a key is shown once, when
/// it is created).
pub async fn api_keys(state: &super::AppState, user_id: &str) -> Result<Vec<ApiKeyRecord>, super::ServiceError> {
    Ok(state.storage().api_keys(user_id).await?)
}

/// A new API key of `user_id` named `name` with `scopes`: the key, to show once.
pub async fn new_api_key(
    state: &super::AppState,
    user_id: &str,
    name: &str,
    scopes: Vec<Scope>,
) -> Result<(GeneratedKey, ApiKeyRecord), super::ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(super::ServiceError::invalid_body("a key's name has 1 to 100 characters"));
    }
    if scopes.is_empty() {
        return Err(super::ServiceError::invalid_body("a key needs at least one scope"));
    }
    create_api_key(state.storage().as_ref(), user_id, name, scopes).await.map_err(|error| match error {
        BootstrapError::Storage(error) => super::ServiceError::from(error),
        BootstrapError::Random => super::ServiceError::internal("creating a key", "the system random source failed"),
    })
}

/// Revokes `user_id`'s key `id` for good; it stops working at once.
pub async fn revoke_api_key(state: &super::AppState, user_id: &str, id: &str) -> Result<(), super::ServiceError> {
    if state.storage().set_api_key_status(user_id, id, KeyStatus::Revoked).await? {
        Ok(())
    } else {
        Err(super::ServiceError::not_found("key_not_found", format!("no API key `{id}`")))
    }
}
