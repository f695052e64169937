//! The authorization server's clients and tokens (by hash), and provider logins
//! under way.

use crate::domain::{OAuthClient, OAuthToken, ProviderLogin};

use super::StorageError;

/// OAuth clients, tokens and provider logins.
#[async_trait::async_trait]
pub trait OAuthStore: Send + Sync + 'static {
    /// Registers an OAuth client.
    async fn create_oauth_client(&self, client: OAuthClient) -> Result<(), StorageError>;

    /// The OAuth client `id`, disabled or not.
    async fn oauth_client(&self, id: &str) -> Result<Option<OAuthClient>, StorageError>;

    /// Every OAuth client, oldest first.
    async fn oauth_clients(&self) -> Result<Vec<OAuthClient>, StorageError>;

    /// Disables the OAuth client `id`; `false` when there is no such client.
    async fn disable_oauth_client(&self, id: &str) -> Result<bool, StorageError>;

    /// Stores an authorization-server token (its hash only).
    async fn put_oauth_token(&self, token: OAuthToken) -> Result<(), StorageError>;

    /// The token whose SHA-256 is `hash`, whatever its state.
    async fn oauth_token(&self, hash: &[u8; 32]) -> Result<Option<OAuthToken>, StorageError>;

    /// Marks a single-use token used and returns it as it was before (so `used_at`
    /// set means it had been used already). Atomic: one caller wins.
    async fn consume_oauth_token(&self, hash: &[u8; 32]) -> Result<Option<OAuthToken>, StorageError>;

    /// Revokes one token.
    async fn revoke_oauth_token(&self, hash: &[u8; 32]) -> Result<(), StorageError>;

    /// Revokes every token of a family (issued from one authorization code);
    /// returns how many were live.
    async fn revoke_oauth_family(&self, family: &str) -> Result<usize, StorageError>;

    /// Stores a provider login under way.
    async fn put_provider_login(&self, login: ProviderLogin) -> Result<(), StorageError>;

    /// Removes and returns `user_id`'s login whose state token hashes to
    /// `state_hash` (expired or not; the caller checks). Atomic: one caller gets
    /// it; another user's attempt finds nothing and leaves it in place.
    async fn take_provider_login(
        &self,
        state_hash: &[u8; 32],
        user_id: &str,
    ) -> Result<Option<ProviderLogin>, StorageError>;
}
