//! A storage that delegates every call to [`SqliteStorage`] and counts the API
//! key lookups, so a test can see what reached the storage and what a cache or
//! a guard answered before it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use block_core::credentials::CredentialsMeta;
use block_core::webhooks::Subscription;
use block_server::domain::{
    ApiKeyRecord, ChargeOutcome, ExecutionRecord, KeyStatus, LedgerEntry, NewApiKey, OAuthClient, OAuthToken,
    ProviderLogin, Recovered, SealedCredentials, User, WebhookRow,
};
use block_server::storage::{
    AccountStore, CredentialRows, CreditLedger, KeyChanges, OAuthStore, RunStore, SettingStore, SqliteStorage,
    StorageError, WebhookRows,
};
use futures_util::future::BoxFuture;

/// [`SqliteStorage`], with a count of `api_key_by_hash` calls.
pub struct CountingStorage {
    inner: SqliteStorage,
    key_lookups: Arc<AtomicUsize>,
}

impl CountingStorage {
    /// Wraps `inner`.
    pub fn new(inner: SqliteStorage) -> CountingStorage {
        CountingStorage { inner, key_lookups: Arc::default() }
    }

    /// How many times an API key was looked up by its hash.
    pub fn key_lookups(&self) -> usize {
        self.key_lookups.load(Ordering::SeqCst)
    }
}

#[block_core::async_trait]
impl AccountStore for CountingStorage {
    async fn create_user(&self, user: User, starting_credits: u64) -> Result<(), StorageError> {
        self.inner.create_user(user, starting_credits).await
    }

    async fn user(&self, id: &str) -> Result<Option<User>, StorageError> {
        self.inner.user(id).await
    }

    async fn first_user(&self) -> Result<Option<User>, StorageError> {
        self.inner.first_user().await
    }

    async fn create_api_key(&self, key: NewApiKey) -> Result<ApiKeyRecord, StorageError> {
        self.inner.create_api_key(key).await
    }

    async fn api_key_by_hash(&self, hash: &[u8; 32]) -> Result<Option<(ApiKeyRecord, User)>, StorageError> {
        self.key_lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.api_key_by_hash(hash).await
    }

    async fn api_keys(&self, user_id: &str) -> Result<Vec<ApiKeyRecord>, StorageError> {
        self.inner.api_keys(user_id).await
    }

    async fn set_api_key_status(&self, user_id: &str, id: &str, status: KeyStatus) -> Result<bool, StorageError> {
        self.inner.set_api_key_status(user_id, id, status).await
    }

    async fn touch_api_key(&self, id: &str, at: i64) -> Result<(), StorageError> {
        self.inner.touch_api_key(id, at).await
    }

    fn key_changes(&self) -> KeyChanges {
        self.inner.key_changes()
    }
}

#[block_core::async_trait]
impl CredentialRows for CountingStorage {
    async fn put_credentials(&self, user_id: &str, credentials: SealedCredentials) -> Result<(), StorageError> {
        self.inner.put_credentials(user_id, credentials).await
    }

    async fn credentials(&self, user_id: &str, id: &str) -> Result<Option<SealedCredentials>, StorageError> {
        self.inner.credentials(user_id, id).await
    }

    async fn list_credentials(&self, user_id: &str) -> Result<Vec<CredentialsMeta>, StorageError> {
        self.inner.list_credentials(user_id).await
    }

    async fn delete_credentials(&self, user_id: &str, id: &str) -> Result<bool, StorageError> {
        self.inner.delete_credentials(user_id, id).await
    }
}

#[block_core::async_trait]
impl CreditLedger for CountingStorage {
    async fn balance(&self, user_id: &str) -> Result<u64, StorageError> {
        self.inner.balance(user_id).await
    }

    async fn charge(
        &self,
        user_id: &str,
        amount: u64,
        reason: &str,
        execution_id: Option<&str>,
    ) -> Result<ChargeOutcome, StorageError> {
        self.inner.charge(user_id, amount, reason, execution_id).await
    }

    async fn charge_up_to(
        &self,
        user_id: &str,
        amount: u64,
        reason: &str,
        execution_id: Option<&str>,
    ) -> Result<u64, StorageError> {
        self.inner.charge_up_to(user_id, amount, reason, execution_id).await
    }

    async fn grant(
        &self,
        user_id: &str,
        amount: u64,
        reason: &str,
        execution_id: Option<&str>,
    ) -> Result<u64, StorageError> {
        self.inner.grant(user_id, amount, reason, execution_id).await
    }

    async fn ledger(&self, user_id: &str, limit: u32) -> Result<Vec<LedgerEntry>, StorageError> {
        self.inner.ledger(user_id, limit).await
    }
}

#[block_core::async_trait]
impl WebhookRows for CountingStorage {
    async fn webhook(&self, id: &str) -> Result<Option<WebhookRow>, StorageError> {
        self.inner.webhook(id).await
    }

    async fn find_reusable_webhook(&self, like: &WebhookRow) -> Result<Option<WebhookRow>, StorageError> {
        self.inner.find_reusable_webhook(like).await
    }

    async fn webhooks_on(&self, provider: &str, resource: &str) -> Result<Vec<WebhookRow>, StorageError> {
        self.inner.webhooks_on(provider, resource).await
    }

    async fn webhooks_of(&self, owner: &str) -> Result<Vec<WebhookRow>, StorageError> {
        self.inner.webhooks_of(owner).await
    }

    async fn put_webhook(&self, webhook: WebhookRow) -> Result<(), StorageError> {
        self.inner.put_webhook(webhook).await
    }

    async fn delete_webhook(&self, id: &str) -> Result<(), StorageError> {
        self.inner.delete_webhook(id).await
    }

    async fn subscriptions(&self, webhook_id: &str) -> Result<Vec<Subscription>, StorageError> {
        self.inner.subscriptions(webhook_id).await
    }

    async fn subscriptions_of(&self, owner: &str) -> Result<Vec<Subscription>, StorageError> {
        self.inner.subscriptions_of(owner).await
    }

    async fn put_subscription(&self, subscription: Subscription) -> Result<(), StorageError> {
        self.inner.put_subscription(subscription).await
    }

    async fn delete_subscription(&self, owner: &str, id: &str) -> Result<Option<Subscription>, StorageError> {
        self.inner.delete_subscription(owner, id).await
    }
}

#[block_core::async_trait]
impl RunStore for CountingStorage {
    fn record_execution(&self, record: ExecutionRecord) -> BoxFuture<'static, Result<(), StorageError>> {
        self.inner.record_execution(record)
    }

    fn queue_execution(&self, record: ExecutionRecord) {
        self.inner.queue_execution(record);
    }

    async fn start_paid_execution(
        &self,
        record: &ExecutionRecord,
        reason: &str,
    ) -> Result<ChargeOutcome, StorageError> {
        self.inner.start_paid_execution(record, reason).await
    }

    async fn recover_interrupted(&self) -> Result<Recovered, StorageError> {
        self.inner.recover_interrupted().await
    }

    async fn flush(&self) -> Result<(), StorageError> {
        self.inner.flush().await
    }

    async fn executions(&self, user_id: &str, limit: u32) -> Result<Vec<ExecutionRecord>, StorageError> {
        self.inner.executions(user_id, limit).await
    }
}

#[block_core::async_trait]
impl OAuthStore for CountingStorage {
    async fn create_oauth_client(&self, client: OAuthClient) -> Result<(), StorageError> {
        self.inner.create_oauth_client(client).await
    }

    async fn oauth_client(&self, id: &str) -> Result<Option<OAuthClient>, StorageError> {
        self.inner.oauth_client(id).await
    }

    async fn oauth_clients(&self) -> Result<Vec<OAuthClient>, StorageError> {
        self.inner.oauth_clients().await
    }

    async fn disable_oauth_client(&self, id: &str) -> Result<bool, StorageError> {
        self.inner.disable_oauth_client(id).await
    }

    async fn put_oauth_token(&self, token: OAuthToken) -> Result<(), StorageError> {
        self.inner.put_oauth_token(token).await
    }

    async fn oauth_token(&self, hash: &[u8; 32]) -> Result<Option<OAuthToken>, StorageError> {
        self.inner.oauth_token(hash).await
    }

    async fn consume_oauth_token(&self, hash: &[u8; 32]) -> Result<Option<OAuthToken>, StorageError> {
        self.inner.consume_oauth_token(hash).await
    }

    async fn revoke_oauth_token(&self, hash: &[u8; 32]) -> Result<(), StorageError> {
        self.inner.revoke_oauth_token(hash).await
    }

    async fn revoke_oauth_family(&self, family: &str) -> Result<usize, StorageError> {
        self.inner.revoke_oauth_family(family).await
    }

    async fn put_provider_login(&self, login: ProviderLogin) -> Result<(), StorageError> {
        self.inner.put_provider_login(login).await
    }

    async fn take_provider_login(
        &self,
        state_hash: &[u8; 32],
        user_id: &str,
    ) -> Result<Option<ProviderLogin>, StorageError> {
        self.inner.take_provider_login(state_hash, user_id).await
    }
}

#[block_core::async_trait]
impl SettingStore for CountingStorage {
    async fn ping(&self) -> Result<(), StorageError> {
        self.inner.ping().await
    }

    async fn setting_or_insert(&self, name: &str, value: Vec<u8>) -> Result<Vec<u8>, StorageError> {
        self.inner.setting_or_insert(name, value).await
    }
}
