//! Where credentials live: the [`CredentialStore`] trait and an in-memory store
//! with platform-wide defaults.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::field::test_id;
use super::kinds::{
    ApiKeyCredentials, HostScopedCredentials, OAuth2Credentials, StoredCredentials, UserPasswordCredentials,
};
use super::{CredentialsMeta, CredentialsType};

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Platform default credentials are read-only.
    #[error("credentials `{0}` are platform defaults: they can be used but not changed or deleted")]
    PlatformCredentials(String),
    /// No credentials with this id belong to the user.
    #[error("no credentials with id `{0}` for this user")]
    NotFound(String),
    /// The backing storage failed.
    #[error("the credential store failed: {0}")]
    Backend(String),
}

/// Stores users' credentials. The server's implementation is persistent and
/// encrypted; [`InMemoryCredentialStore`] ships here.
///
/// `get` returns the user's own credentials or a platform default, never another
/// user's: to the caller, someone else's id looks exactly like an unknown one.
///
/// Implement it with [`async_trait`](crate::async_trait):
///
/// ```
/// use block_core::credentials::{CredentialsMeta, StoreError, StoredCredentials};
/// use block_core::{CredentialStore, async_trait};
///
/// struct Nothing;
///
/// #[async_trait]
/// impl CredentialStore for Nothing {
///     async fn get(&self, _user_id: &str, _id: &str) -> Result<Option<StoredCredentials>, StoreError> {
///         Ok(None)
///     }
///     async fn list(&self, _user_id: &str) -> Result<Vec<CredentialsMeta>, StoreError> {
///         Ok(Vec::new())
///     }
///     async fn put(&self, _user_id: &str, credentials: StoredCredentials) -> Result<(), StoreError> {
///         Err(StoreError::Backend(format!("read-only: {}", credentials.meta().id)))
///     }
///     async fn delete(&self, _user_id: &str, id: &str) -> Result<(), StoreError> {
///         Err(StoreError::NotFound(id.to_owned()))
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait CredentialStore: Send + Sync + 'static {
    /// The credentials `id` as `user_id` may use them.
    async fn get(&self, user_id: &str, id: &str) -> Result<Option<StoredCredentials>, StoreError>;

    /// Meta of every credentials `user_id` may use, platform defaults included.
    async fn list(&self, user_id: &str) -> Result<Vec<CredentialsMeta>, StoreError>;

    /// Creates or replaces the user's credentials with this id.
    async fn put(&self, user_id: &str, credentials: StoredCredentials) -> Result<(), StoreError>;

    /// Deletes the user's credentials with this id.
    async fn delete(&self, user_id: &str, id: &str) -> Result<(), StoreError>;

    /// Holds off every other refresh of the user's credentials `id`, in other
    /// processes sharing the store too, until the returned guard is dropped: an
    /// OAuth refresh token rotates, so two processes refreshing with the same
    /// one would leave one of them with a revoked token. The default holds
    /// nothing (a store of one process relies on the executor's single flight
    /// within the process).
    async fn lock_refresh(&self, _user_id: &str, _id: &str) -> Result<Option<RefreshLock>, StoreError> {
        Ok(None)
    }
}

/// Held while credentials are refreshed ([`CredentialStore::lock_refresh`]);
/// dropping it lets the next refresher in.
pub type RefreshLock = Box<dyn std::any::Any + Send>;

/// Credentials in memory: per-user entries plus read-only platform defaults.
#[derive(Debug, Default, Clone)]
pub struct InMemoryCredentialStore {
    inner: Arc<RwLock<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    users: HashMap<(String, String), StoredCredentials>,
    platform: HashMap<String, StoredCredentials>,
}

impl InMemoryCredentialStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds platform default credentials, usable by every user, never changed.
    pub fn with_platform(self, credentials: impl IntoIterator<Item = StoredCredentials>) -> Self {
        if let Ok(mut inner) = self.inner.write() {
            for stored in credentials {
                inner.platform.insert(stored.meta().id.clone(), stored);
            }
        }
        self
    }

    /// Adds a user's credentials (synchronously; handy in tests and set-up).
    pub fn with_user(self, user_id: &str, credentials: impl IntoIterator<Item = StoredCredentials>) -> Self {
        if let Ok(mut inner) = self.inner.write() {
            for stored in credentials {
                inner.users.insert((user_id.to_owned(), stored.meta().id.clone()), stored);
            }
        }
        self
    }

    /// Whether `id` names platform default credentials.
    pub fn is_platform(&self, id: &str) -> bool {
        self.inner.read().is_ok_and(|inner| inner.platform.contains_key(id))
    }

    fn read(&self) -> Result<std::sync::RwLockReadGuard<'_, Inner>, StoreError> {
        self.inner.read().map_err(|_| StoreError::Backend("a writer panicked while holding the lock".into()))
    }

    fn write(&self) -> Result<std::sync::RwLockWriteGuard<'_, Inner>, StoreError> {
        self.inner.write().map_err(|_| StoreError::Backend("a writer panicked while holding the lock".into()))
    }
}

#[async_trait::async_trait]
impl CredentialStore for InMemoryCredentialStore {
    async fn get(&self, user_id: &str, id: &str) -> Result<Option<StoredCredentials>, StoreError> {
        let inner = self.read()?;
        Ok(inner.users.get(&(user_id.to_owned(), id.to_owned())).or_else(|| inner.platform.get(id)).cloned())
    }

    async fn list(&self, user_id: &str) -> Result<Vec<CredentialsMeta>, StoreError> {
        let inner = self.read()?;
        let mut metas: Vec<CredentialsMeta> = inner
            .users
            .iter()
            .filter(|((owner, _), _)| owner == user_id)
            .map(|(_, stored)| stored.meta().clone())
            .chain(inner.platform.values().map(|stored| stored.meta().clone()))
            .collect();
        metas.sort_by(|a, b| a.provider.cmp(&b.provider).then(a.id.cmp(&b.id)));
        Ok(metas)
    }

    async fn put(&self, user_id: &str, credentials: StoredCredentials) -> Result<(), StoreError> {
        let mut inner = self.write()?;
        let id = credentials.meta().id.clone();
        if inner.platform.contains_key(&id) {
            return Err(StoreError::PlatformCredentials(id));
        }
        inner.users.insert((user_id.to_owned(), id), credentials);
        Ok(())
    }

    async fn delete(&self, user_id: &str, id: &str) -> Result<(), StoreError> {
        let mut inner = self.write()?;
        if inner.platform.contains_key(id) {
            return Err(StoreError::PlatformCredentials(id.to_owned()));
        }
        inner
            .users
            .remove(&(user_id.to_owned(), id.to_owned()))
            .map(drop)
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))
    }
}

/// The test credentials of `provider` of `kind`, with obviously fake secrets: what
/// `Credentials::test()` names and the test harness's store holds.
pub fn test_credentials(provider: &str, kind: CredentialsType) -> StoredCredentials {
    let meta = CredentialsMeta {
        id: test_id(provider, kind),
        provider: provider.to_owned(),
        kind,
        title: Some(format!("Mock {provider} {kind}")),
    };
    match kind {
        CredentialsType::ApiKey => StoredCredentials::ApiKey(ApiKeyCredentials {
            meta,
            api_key: format!("mock-{provider}-api-key").into(),
            expires_at: None,
        }),
        CredentialsType::OAuth2 => StoredCredentials::OAuth2(OAuth2Credentials {
            meta,
            access_token: format!("mock-{provider}-access-token").into(),
            access_token_expires_at: None,
            refresh_token: None,
            refresh_token_expires_at: None,
            scopes: Vec::new(),
            username: Some("mock-user".into()),
        }),
        CredentialsType::UserPassword => StoredCredentials::UserPassword(UserPasswordCredentials {
            meta,
            username: "mock-user".into(),
            password: format!("mock-{provider}-password").into(),
        }),
        CredentialsType::HostScoped => StoredCredentials::HostScoped(HostScopedCredentials {
            meta,
            host: "*.invalid".into(),
            headers: vec![("Authorization".into(), format!("mock-{provider}-header").into())],
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, secret: &str) -> StoredCredentials {
        StoredCredentials::ApiKey(ApiKeyCredentials {
            meta: CredentialsMeta {
                id: id.into(),
                provider: "example".into(),
                kind: CredentialsType::ApiKey,
                title: None,
            },
            api_key: secret.into(),
            expires_at: None,
        })
    }

    #[tokio::test]
    async fn users_see_their_own_credentials_and_platform_defaults_only() {
        let store = InMemoryCredentialStore::new()
            .with_platform([key("platform", "p")])
            .with_user("alice", [key("a1", "a")])
            .with_user("bob", [key("b1", "b")]);
        assert!(store.get("alice", "a1").await.expect("ok").is_some());
        assert!(store.get("alice", "b1").await.expect("ok").is_none(), "bob's key looks unknown to alice");
        assert!(store.get("alice", "platform").await.expect("ok").is_some());
        let ids: Vec<String> = store.list("alice").await.expect("ok").into_iter().map(|m| m.id).collect();
        assert_eq!(ids, ["a1", "platform"]);
    }

    #[tokio::test]
    async fn platform_defaults_cannot_be_overwritten_or_deleted() {
        let store = InMemoryCredentialStore::new().with_platform([key("platform", "p")]);
        assert_eq!(
            store.put("alice", key("platform", "x")).await,
            Err(StoreError::PlatformCredentials("platform".into()))
        );
        assert_eq!(store.delete("alice", "platform").await, Err(StoreError::PlatformCredentials("platform".into())));
        assert_eq!(store.delete("alice", "nope").await, Err(StoreError::NotFound("nope".into())));
    }
}
