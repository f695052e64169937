//! Users' credentials, persistent and sealed, beside read-only platform defaults.

use std::sync::Arc;

use block_core::credentials::{
    CredentialStore, CredentialsMeta, InMemoryCredentialStore, StoreError, StoredCredentials,
};

use crate::crypto::Cipher;

/// The future [`CredentialStore`]'s methods return (block-core does not export
/// its name).
use crate::storage::{SealedCredentials, Storage};

/// Credentials as lists show them: never a secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ListedCredentials {
    /// Id, provider, type and title.
    #[serde(flatten)]
    pub meta: CredentialsMeta,
    /// The scopes OAuth 2 credentials were granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// The account of OAuth 2 credentials, or the username of a user/password pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The host host-scoped headers are sent to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

impl ListedCredentials {
    fn of(stored: &StoredCredentials) -> Self {
        let mut listed = ListedCredentials::from(stored.meta().clone());
        match stored {
            StoredCredentials::ApiKey(_) => {}
            StoredCredentials::OAuth2(oauth) => {
                listed.scopes = Some(oauth.scopes.clone());
                listed.username.clone_from(&oauth.username);
            }
            StoredCredentials::UserPassword(pair) => listed.username = Some(pair.username.clone()),
            StoredCredentials::HostScoped(scoped) => listed.host = Some(scoped.host.clone()),
        }
        listed
    }
}

impl From<CredentialsMeta> for ListedCredentials {
    fn from(meta: CredentialsMeta) -> Self {
        ListedCredentials { meta, scopes: None, username: None, host: None }
    }
}

/// Implements block-core's [`CredentialStore`] over the server's [`Storage`]: each
/// user's credentials are sealed with the server's key before they reach the
/// storage; platform defaults (from the providers' environment variables) stay in
/// memory, usable by everyone, never written, changed or deleted.
#[derive(Clone)]
pub struct SealedCredentialStore {
    storage: Arc<dyn Storage>,
    cipher: Arc<Cipher>,
    platform: InMemoryCredentialStore,
}

impl std::fmt::Debug for SealedCredentialStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedCredentialStore").finish_non_exhaustive()
    }
}

/// What sealed credentials are bound to: their owner and id.
fn context(user_id: &str, id: &str) -> String {
    format!("credentials/{user_id}/{id}")
}

fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(error.to_string())
}

impl SealedCredentialStore {
    /// A store over `storage`, sealing with `cipher`, with `platform` defaults.
    pub fn new(storage: Arc<dyn Storage>, cipher: Arc<Cipher>, platform: Vec<StoredCredentials>) -> Self {
        SealedCredentialStore { storage, cipher, platform: InMemoryCredentialStore::new().with_platform(platform) }
    }

    /// What `GET /integrations/credentials` shows of each of `user_id`'s
    /// credentials and the platform defaults: the meta plus the parts that are not
    /// secret (OAuth scopes and account name, the username of a user/password
    /// pair, the host of host-scoped headers). Each is opened to read them.
    pub async fn list_listed(&self, user_id: &str) -> Result<Vec<ListedCredentials>, StoreError> {
        let mut listed = Vec::new();
        for meta in self.list(user_id).await? {
            let stored = self.get(user_id, &meta.id).await?;
            listed.push(stored.as_ref().map_or_else(|| ListedCredentials::from(meta), ListedCredentials::of));
        }
        Ok(listed)
    }

    /// Whether `id` names platform default credentials.
    pub fn is_platform(&self, id: &str) -> bool {
        self.platform.is_platform(id)
    }
}

#[block_core::async_trait]
impl CredentialStore for SealedCredentialStore {
    async fn get(&self, user_id: &str, id: &str) -> Result<Option<StoredCredentials>, StoreError> {
        if self.platform.is_platform(id) {
            return self.platform.get(user_id, id).await;
        }
        let Some(sealed) = self.storage.credentials(user_id, id).await.map_err(backend)? else {
            return Ok(None);
        };
        let plaintext = self.cipher.open(&context(user_id, id), &sealed.sealed).map_err(backend)?;
        let value = serde_json::from_slice(&plaintext).map_err(|_| backend("sealed credentials are not JSON"))?;
        // The error names the field, never its value.
        StoredCredentials::from_secret_json(value).map(Some).map_err(backend)
    }

    async fn list(&self, user_id: &str) -> Result<Vec<CredentialsMeta>, StoreError> {
        let mut metas = self.storage.list_credentials(user_id).await.map_err(backend)?;
        metas.extend(self.platform.list(user_id).await?);
        Ok(metas)
    }

    async fn put(&self, user_id: &str, credentials: StoredCredentials) -> Result<(), StoreError> {
        let meta = credentials.meta().clone();
        if self.platform.is_platform(&meta.id) {
            return Err(StoreError::PlatformCredentials(meta.id));
        }
        let plaintext = credentials.expose_secret_json().to_string();
        let sealed = self.cipher.seal(&context(user_id, &meta.id), plaintext.as_bytes()).map_err(backend)?;
        self.storage.put_credentials(user_id, SealedCredentials { meta, sealed }).await.map_err(backend)
    }

    async fn delete(&self, user_id: &str, id: &str) -> Result<(), StoreError> {
        if self.platform.is_platform(id) {
            return Err(StoreError::PlatformCredentials(id.to_owned()));
        }
        match self.storage.delete_credentials(user_id, id).await.map_err(backend)? {
            true => Ok(()),
            false => Err(StoreError::NotFound(id.to_owned())),
        }
    }
}
