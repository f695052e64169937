//! What the server keeps: users, API keys, credentials (sealed), credit balances
//! and their ledger, webhooks and trigger subscriptions, execution records.
//!
//! [`Storage`] is the seam: [`SqliteStorage`] backs a single server from one file;
//! a Postgres implementation can back several replicas without touching the HTTP
//! layer. The storage never sees a secret in the clear: credentials and webhook
//! secrets arrive sealed by [`Cipher`](crate::crypto::Cipher) and leave sealed.

pub(crate) mod model;
mod sqlite;

use std::future::Future;
use std::pin::Pin;

use block_core::credentials::CredentialsMeta;
use block_core::webhooks::Subscription;

pub use model::{
    ApiKeyRecord, ChargeOutcome, ExecutionRecord, ExecutionSource, ExecutionStatus, KeyStatus, LedgerEntry, NewApiKey,
    OAuthClient, OAuthToken, ProviderLogin, Recovered, SealedCredentials, TokenKind, User, WebhookRow,
};
pub use sqlite::{DATABASE_FILE, SqliteStorage};

/// A boxed, sendable future, as the storage's methods return.
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

/// Why a storage operation failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The database could not be opened or migrated.
    #[error("could not open the database {path}: {reason}")]
    Open {
        /// The database file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A query failed.
    #[error("the database failed: {0}")]
    Database(String),
    /// A row holds something this version cannot read.
    #[error("the database holds an unreadable row: {0}")]
    Corrupt(String),
}

/// Persistent state of the server. Every method is one transaction.
pub trait Storage: Send + Sync + 'static {
    /// Checks that the storage answers.
    fn ping(&self) -> StorageFuture<'_, ()>;

    /// The setting `name`, or else `value` stored as it: the value that holds either way.
    fn setting_or_insert<'a>(&'a self, name: &'a str, value: Vec<u8>) -> StorageFuture<'a, Vec<u8>>;

    /// Creates a user with a starting credit balance (a ledger row records it).
    fn create_user<'a>(&'a self, user: User, starting_credits: u64) -> StorageFuture<'a, ()>;

    /// The user `id`.
    fn user<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<User>>;

    /// The first user created: the local user of a single-user server.
    fn first_user(&self) -> StorageFuture<'_, Option<User>>;

    /// Stores a new API key (its hash only).
    fn create_api_key(&self, key: NewApiKey) -> StorageFuture<'_, ApiKeyRecord>;

    /// The key whose SHA-256 is `hash`, whatever its status, and its owner (one
    /// lookup: every request authenticated by a key makes it).
    fn api_key_by_hash<'a>(&'a self, hash: &'a [u8; 32]) -> StorageFuture<'a, Option<(ApiKeyRecord, User)>>;

    /// Every key of `user_id`, newest first.
    fn api_keys<'a>(&'a self, user_id: &'a str) -> StorageFuture<'a, Vec<ApiKeyRecord>>;

    /// Sets the status of `user_id`'s key `id`; `false` when there is no such key.
    fn set_api_key_status<'a>(&'a self, user_id: &'a str, id: &'a str, status: KeyStatus) -> StorageFuture<'a, bool>;

    /// Records that key `id` was just used.
    fn touch_api_key<'a>(&'a self, id: &'a str) -> StorageFuture<'a, ()>;

    /// Creates or replaces `user_id`'s sealed credentials.
    fn put_credentials<'a>(&'a self, user_id: &'a str, credentials: SealedCredentials) -> StorageFuture<'a, ()>;

    /// `user_id`'s sealed credentials `id`.
    fn credentials<'a>(&'a self, user_id: &'a str, id: &'a str) -> StorageFuture<'a, Option<SealedCredentials>>;

    /// The meta of every credentials of `user_id`.
    fn list_credentials<'a>(&'a self, user_id: &'a str) -> StorageFuture<'a, Vec<CredentialsMeta>>;

    /// Deletes `user_id`'s credentials `id`; `false` when there were none.
    fn delete_credentials<'a>(&'a self, user_id: &'a str, id: &'a str) -> StorageFuture<'a, bool>;

    /// The credit balance of `user_id` (0 for an unknown user).
    fn balance<'a>(&'a self, user_id: &'a str) -> StorageFuture<'a, u64>;

    /// Takes `amount` credits from `user_id` if the balance covers them, writing a
    /// ledger row in the same transaction; never goes below zero, whatever runs
    /// concurrently.
    fn charge<'a>(
        &'a self,
        user_id: &'a str,
        amount: u64,
        reason: &'a str,
        execution_id: Option<&'a str>,
    ) -> StorageFuture<'a, ChargeOutcome>;

    /// Takes up to `amount` credits (as many as the balance has), with a ledger
    /// row; returns how many were taken. For costs known only after a run.
    fn charge_up_to<'a>(
        &'a self,
        user_id: &'a str,
        amount: u64,
        reason: &'a str,
        execution_id: Option<&'a str>,
    ) -> StorageFuture<'a, u64>;

    /// Adds `amount` credits (a top-up or a refund), with a ledger row; returns the
    /// new balance.
    fn grant<'a>(
        &'a self,
        user_id: &'a str,
        amount: u64,
        reason: &'a str,
        execution_id: Option<&'a str>,
    ) -> StorageFuture<'a, u64>;

    /// The latest `limit` ledger rows of `user_id`, newest first.
    fn ledger<'a>(&'a self, user_id: &'a str, limit: u32) -> StorageFuture<'a, Vec<LedgerEntry>>;

    /// The webhook `id`.
    fn webhook<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<WebhookRow>>;

    /// A webhook with the same provider, owner, resource, credentials, kind and
    /// events (in any order) as `like`.
    fn find_reusable_webhook<'a>(&'a self, like: &'a WebhookRow) -> StorageFuture<'a, Option<WebhookRow>>;

    /// Every webhook of `provider` on `resource`.
    fn webhooks_on<'a>(&'a self, provider: &'a str, resource: &'a str) -> StorageFuture<'a, Vec<WebhookRow>>;

    /// Every webhook of `owner`.
    fn webhooks_of<'a>(&'a self, owner: &'a str) -> StorageFuture<'a, Vec<WebhookRow>>;

    /// Creates or replaces a webhook.
    fn put_webhook(&self, webhook: WebhookRow) -> StorageFuture<'_, ()>;

    /// Deletes a webhook and its subscriptions.
    fn delete_webhook<'a>(&'a self, id: &'a str) -> StorageFuture<'a, ()>;

    /// The subscriptions on webhook `webhook_id`, by id.
    fn subscriptions<'a>(&'a self, webhook_id: &'a str) -> StorageFuture<'a, Vec<Subscription>>;

    /// Every subscription of `owner`, by id.
    fn subscriptions_of<'a>(&'a self, owner: &'a str) -> StorageFuture<'a, Vec<Subscription>>;

    /// Creates or replaces a subscription.
    fn put_subscription(&self, subscription: Subscription) -> StorageFuture<'_, ()>;

    /// Deletes `owner`'s subscription `id`, returning it.
    fn delete_subscription<'a>(&'a self, owner: &'a str, id: &'a str) -> StorageFuture<'a, Option<Subscription>>;

    /// Records an execution (created or updated). The record is taken at the call
    /// and may be written later, together with others: dropping the future does not
    /// lose it, awaiting it waits until it is stored. Records of one execution are
    /// stored in the order of the calls.
    fn record_execution(&self, record: ExecutionRecord) -> StorageFuture<'_, ()>;

    /// [`record_execution`](Self::record_execution) for a caller that does not
    /// wait for the write (an implementation logs a failure).
    fn queue_execution(&self, record: ExecutionRecord) {
        drop(self.record_execution(record));
    }

    /// Starts a paid execution in one transaction: takes `record.charged` credits
    /// from `record.user_id` if the balance covers them, writes the ledger row
    /// (naming the execution, with `reason`) and stores `record` (running). Nothing
    /// is written when the balance is short. A crash after this leaves a running
    /// record that [`recover_interrupted`](Self::recover_interrupted) refunds.
    fn start_paid_execution<'a>(
        &'a self,
        record: &'a ExecutionRecord,
        reason: &'a str,
    ) -> StorageFuture<'a, ChargeOutcome>;

    /// After a crash: marks every execution still recorded as running
    /// interrupted and gives back what it was charged (net of refunds), each with
    /// a ledger row, in one transaction. Only for a server starting up: another
    /// process serving the same storage has runs that are really running.
    fn recover_interrupted(&self) -> StorageFuture<'_, Recovered>;

    /// Resolves once every record passed to
    /// [`record_execution`](Self::record_execution) before is stored.
    fn flush(&self) -> StorageFuture<'_, ()>;

    /// The latest `limit` executions of `user_id`, newest first (records passed
    /// to [`record_execution`](Self::record_execution) before included).
    fn executions<'a>(&'a self, user_id: &'a str, limit: u32) -> StorageFuture<'a, Vec<ExecutionRecord>>;

    /// Registers an OAuth client.
    fn create_oauth_client(&self, client: OAuthClient) -> StorageFuture<'_, ()>;

    /// The OAuth client `id`, disabled or not.
    fn oauth_client<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<OAuthClient>>;

    /// Every OAuth client, oldest first.
    fn oauth_clients(&self) -> StorageFuture<'_, Vec<OAuthClient>>;

    /// Disables the OAuth client `id`; `false` when there is no such client.
    fn disable_oauth_client<'a>(&'a self, id: &'a str) -> StorageFuture<'a, bool>;

    /// Stores an authorization-server token (its hash only).
    fn put_oauth_token(&self, token: OAuthToken) -> StorageFuture<'_, ()>;

    /// The token whose SHA-256 is `hash`, whatever its state.
    fn oauth_token<'a>(&'a self, hash: &'a [u8; 32]) -> StorageFuture<'a, Option<OAuthToken>>;

    /// Marks a single-use token used and returns it as it was before (so `used_at`
    /// set means it had been used already). Atomic: one caller wins.
    fn consume_oauth_token<'a>(&'a self, hash: &'a [u8; 32]) -> StorageFuture<'a, Option<OAuthToken>>;

    /// Revokes one token.
    fn revoke_oauth_token<'a>(&'a self, hash: &'a [u8; 32]) -> StorageFuture<'a, ()>;

    /// Revokes every token of a family (issued from one authorization code);
    /// returns how many were live.
    fn revoke_oauth_family<'a>(&'a self, family: &'a str) -> StorageFuture<'a, usize>;

    /// Stores a provider login under way.
    fn put_provider_login(&self, login: ProviderLogin) -> StorageFuture<'_, ()>;

    /// Removes and returns `user_id`'s login whose state token hashes to
    /// `state_hash` (expired or not; the caller checks). Atomic: one caller gets
    /// it; another user's attempt finds nothing and leaves it in place.
    fn take_provider_login<'a>(
        &'a self,
        state_hash: &'a [u8; 32],
        user_id: &'a str,
    ) -> StorageFuture<'a, Option<ProviderLogin>>;
}
