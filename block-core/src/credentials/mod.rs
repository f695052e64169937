//! Third-party credentials: what a store holds, how a block asks for them, and how
//! they reach its `run`.
//!
//! A block declares a field `credentials: Credentials<Example, ApiKey>`. On the wire
//! that field is only the meta object `{id, provider, type, title}`; the executor
//! looks the id up in a [`CredentialStore`] for the calling user, checks provider,
//! kind and scopes, and only then hands `run` the resolved secret. Secrets are
//! `secrecy` types: `Debug` redacts them, nothing serializes them by accident, and
//! reading one takes an explicit `expose_secret()`.

mod field;
mod kinds;
mod store;

pub use field::{ApiKey, CredentialKind, Credentials, CredentialsField, HostScoped, OAuth2, UserPassword};
pub use kinds::{
    ApiKeyCredentials, CredentialsError, HostScopedCredentials, OAuth2Credentials, StoredCredentials,
    UserPasswordCredentials,
};
pub use secrecy::{ExposeSecret, SecretString};
pub use store::{CredentialStore, InMemoryCredentialStore, RefreshLock, StoreError, test_credentials};

pub(crate) use field::with_resolved;

use serde::{Deserialize, Serialize};

/// The kinds of credentials, spelled as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialsType {
    /// A single API key or token.
    ApiKey,
    /// OAuth 2 access (and refresh) tokens.
    #[serde(rename = "oauth2")]
    OAuth2,
    /// A username and password (HTTP Basic).
    UserPassword,
    /// Headers sent only to one host or `*.domain`.
    HostScoped,
}

impl CredentialsType {
    /// The wire name, e.g. `"api_key"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CredentialsType::ApiKey => "api_key",
            CredentialsType::OAuth2 => "oauth2",
            CredentialsType::UserPassword => "user_password",
            CredentialsType::HostScoped => "host_scoped",
        }
    }
}

impl std::fmt::Display for CredentialsType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The public description of stored credentials: what an input field carries and
/// what lists show. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialsMeta {
    /// The credentials' id.
    pub id: String,
    /// The provider's slug, e.g. `"github"`.
    pub provider: String,
    /// The kind.
    #[serde(rename = "type")]
    pub kind: CredentialsType,
    /// A human title, e.g. `"Work account"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}
