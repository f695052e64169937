//! The local user and API keys: what first start and `block-server keys` create.

use block_core::ExposeSecret;

use crate::auth::{GeneratedKey, Scope, generate_api_key};
use crate::ids::uuid_v4;
use crate::storage::{ApiKeyRecord, NewApiKey, Storage, StorageError, User};

/// Why a user or key could not be created.
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
pub async fn local_user(storage: &dyn Storage, starting_credits: u64) -> Result<(User, bool), BootstrapError> {
    if let Some(user) = storage.first_user().await? {
        return Ok((user, false));
    }
    let user = User {
        id: uuid_v4().ok_or(BootstrapError::Random)?,
        name: "Local user".to_owned(),
        email: "local@localhost".to_owned(),
        timezone: "UTC".to_owned(),
    };
    storage.create_user(user.clone(), starting_credits).await?;
    Ok((user, true))
}

/// A new API key of `user_id`: the key (to show once) and its stored record.
pub async fn create_api_key(
    storage: &dyn Storage,
    user_id: &str,
    name: &str,
    scopes: Vec<Scope>,
) -> Result<(GeneratedKey, ApiKeyRecord), BootstrapError> {
    let generated = generate_api_key().ok_or(BootstrapError::Random)?;
    let record = storage
        .create_api_key(NewApiKey {
            id: uuid_v4().ok_or(BootstrapError::Random)?,
            user_id: user_id.to_owned(),
            name: name.to_owned(),
            hash: generated.hash,
            hint: generated.hint.clone(),
            scopes,
        })
        .await?;
    debug_assert!(generated.key.expose_secret().starts_with(crate::auth::API_KEY_PREFIX));
    Ok((generated, record))
}
