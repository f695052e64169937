//! Users' credentials, persistent and sealed, beside read-only platform defaults:
//! the [`CredentialStore`] the executor resolves through, and what the API does
//! with credentials (list without secrets, create, delete with what depends on
//! them).

use std::sync::Arc;

use block_core::credentials::{
    CredentialStore, CredentialsMeta, CredentialsType, InMemoryCredentialStore, RefreshLock, StoreError,
    StoredCredentials,
};
use block_core::provider::ProviderDescriptor;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{AppState, ServiceError};
use crate::domain::{Cipher, Redactor, SealedCredentials, new_id};
use crate::storage::CredentialRows;

/// Credentials as lists show them: never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    storage: Arc<dyn CredentialRows>,
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
    pub fn new(storage: Arc<dyn CredentialRows>, cipher: Arc<Cipher>, platform: Vec<StoredCredentials>) -> Self {
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

    async fn lock_refresh(&self, user_id: &str, id: &str) -> Result<Option<RefreshLock>, StoreError> {
        if self.platform.is_platform(id) {
            return Ok(None);
        }
        self.storage.lock_credentials(user_id, id).await.map_err(backend)
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

/// What deleting credentials did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deleted {
    /// Whether the provider revoked the credentials (`None` when it cannot revoke
    /// this kind).
    pub revoked: Option<bool>,
    /// Webhooks registered with the credentials, removed first.
    pub webhooks_removed: usize,
}

/// The provider named `name`.
pub fn provider(state: &AppState, name: &str) -> Result<&'static ProviderDescriptor, ServiceError> {
    state
        .registry()
        .provider(name)
        .ok_or_else(|| ServiceError::not_found("provider_not_found", format!("no provider is named `{name}`")))
}

/// Every credentials `user_id` may use, with the parts that are not secret.
pub async fn list(state: &AppState, user_id: &str) -> Result<Vec<ListedCredentials>, ServiceError> {
    state.credentials().list_listed(user_id).await.map_err(ServiceError::from)
}

/// Stores new credentials of `provider` for `user_id` from the fields a caller sent
/// (`type` and the kind's own fields; `title` optional); returns their meta. A
/// secret never appears in an error.
pub async fn create(
    state: &AppState,
    user_id: &str,
    provider: &ProviderDescriptor,
    mut fields: Map<String, Value>,
) -> Result<CredentialsMeta, ServiceError> {
    let kind = fields
        .get("type")
        .and_then(|kind| serde_json::from_value::<CredentialsType>(kind.clone()).ok())
        .ok_or_else(|| ServiceError::invalid_body("`type` must be one of `api_key`, `user_password`, `host_scoped`"))?;
    let accepted = provider.credential_types();
    if kind == CredentialsType::OAuth2 {
        return Err(ServiceError::invalid_body("OAuth 2 credentials are connected through the provider's OAuth flow"));
    }
    if !accepted.contains(&kind) {
        let names: Vec<&str> = accepted.iter().map(|kind| kind.as_str()).collect();
        return Err(ServiceError::invalid_body(format!(
            "`{}` does not take {kind} credentials; it takes {}",
            provider.name,
            if names.is_empty() { "none".to_owned() } else { names.join(", ") }
        )));
    }
    let title = match fields.get("title") {
        Some(Value::String(title)) if !title.trim().is_empty() => title.clone(),
        _ => format!("{} {}", provider.display_name, kind.as_str().replace('_', " ")),
    };
    fields.insert("id".into(), Value::String(new_id()));
    fields.insert("provider".into(), Value::String(provider.name.to_owned()));
    fields.insert("title".into(), Value::String(title));
    let mut redactor = Redactor::default();
    redactor.add_json(&Value::Object(fields.clone()));
    let stored = StoredCredentials::from_secret_json(Value::Object(fields))
        .map_err(|error| ServiceError::invalid_body(redactor.apply(&error.to_string())))?;
    let meta = stored.meta().clone();
    state.credentials().put(user_id, stored).await.map_err(ServiceError::from)?;
    Ok(meta)
}

/// Deletes `user_id`'s credentials `id` of `provider`: webhooks registered with
/// them go first (while they can still deregister them at the provider), then the
/// provider is asked to revoke them (best effort: the answer says how it went),
/// then they are deleted whatever the provider said. Platform defaults cannot be
/// deleted.
pub async fn delete(
    state: &AppState,
    user_id: &str,
    provider: &ProviderDescriptor,
    id: &str,
) -> Result<Deleted, ServiceError> {
    if state.credentials().is_platform(id) {
        return Err(ServiceError::from(StoreError::PlatformCredentials(id.to_owned())));
    }
    let not_found =
        || ServiceError::not_found("credentials_not_found", format!("no `{}` credentials `{id}`", provider.name));
    let existing = state.credentials().get(user_id, id).await.map_err(ServiceError::from)?.ok_or_else(not_found)?;
    if existing.meta().provider != provider.name {
        return Err(not_found());
    }
    let mut webhooks_removed = 0;
    for webhook in state.storage().webhooks_of(user_id).await? {
        if webhook.credentials_id.as_deref() == Some(id) {
            super::triggers::remove_webhook(state, user_id, &webhook.id).await?;
            webhooks_removed += 1;
        }
    }
    let revoked = match (&existing, state.oauth_handlers().get(provider.name)) {
        (StoredCredentials::OAuth2(tokens), Some(handler)) => match handler.revoke(state.http(), tokens).await {
            Ok(revoked) => Some(revoked),
            Err(error) => {
                tracing::warn!(%error, provider = provider.name, "revoking credentials at the provider failed");
                Some(false)
            }
        },
        _ => None,
    };
    state.credentials().delete(user_id, id).await.map_err(ServiceError::from)?;
    Ok(Deleted { revoked, webhooks_removed })
}
