//! A storage that delegates every call to [`SqliteStorage`] and counts the API
//! key lookups, so a test can see what reached the storage and what a cache or
//! a guard answered before it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use block_core::credentials::CredentialsMeta;
use block_core::webhooks::Subscription;
use block_server::domain::{
    ApiKeyRecord, ChargeOutcome, GraphVersion, KeyStatus, LedgerEntry, ListingVersion, NewApiKey, OAuthClient,
    OAuthToken, PollSubscription, Profile, ProviderLogin, Run, RunEvent, Schedule, SealedCredentials, StoredGraph,
    User, WebhookRow,
};
use block_server::storage::prelude::*;
use block_server::storage::{
    ActiveVersionChange, Admission, AgentQuery, AttemptOutcome, Callback, Creator, CreatorQuery, FireClaim, Idempotent,
    KeyChanges, LibraryCopy, Page, PollOutcome, Publication, Published, Recovered, RunEnd, RunFilter, RunPage,
    SqliteStorage, StopOutcome, StorageError, StoreAgent, StoredAnswer,
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
    async fn api_key_by_hash(&self, hash: &[u8; 32]) -> Result<Option<(ApiKeyRecord, User)>, StorageError> {
        self.key_lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.api_key_by_hash(hash).await
    }

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

/// Implements `$aggregate` for [`CountingStorage`] by handing each async method
/// to the SQLite storage unchanged; other items (non-async methods) are written
/// out after the list.
macro_rules! delegate {
    ($aggregate:path { $(async fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $answer:ty;)* } $($extra:tt)*) => {
        #[block_core::async_trait]
        impl $aggregate for CountingStorage {
            $(async fn $name(&self $(, $arg: $ty)*) -> $answer {
                self.inner.$name($($arg),*).await
            })*
            $($extra)*
        }
    };
}

delegate!(CredentialRows {
    async fn put_credentials(&self, user_id: &str, credentials: SealedCredentials) -> Result<(), StorageError>;
    async fn credentials(&self, user_id: &str, id: &str) -> Result<Option<SealedCredentials>, StorageError>;
    async fn list_credentials(&self, user_id: &str) -> Result<Vec<CredentialsMeta>, StorageError>;
    async fn delete_credentials(&self, user_id: &str, id: &str) -> Result<bool, StorageError>;
});

delegate!(CreditLedger {
    async fn balance(&self, user_id: &str) -> Result<u64, StorageError>;
    async fn charge(&self, user_id: &str, amount: u64, reason: &str, execution_id: Option<&str>)
        -> Result<ChargeOutcome, StorageError>;
    async fn charge_up_to(&self, user_id: &str, amount: u64, reason: &str, execution_id: Option<&str>)
        -> Result<u64, StorageError>;
    async fn grant(&self, user_id: &str, amount: u64, reason: &str, execution_id: Option<&str>)
        -> Result<u64, StorageError>;
    async fn ledger(&self, user_id: &str, limit: u32) -> Result<Vec<LedgerEntry>, StorageError>;
});

delegate!(WebhookRows {
    async fn webhook(&self, id: &str) -> Result<Option<WebhookRow>, StorageError>;
    async fn find_reusable_webhook(&self, like: &WebhookRow) -> Result<Option<WebhookRow>, StorageError>;
    async fn webhooks_on(&self, provider: &str, resource: &str) -> Result<Vec<WebhookRow>, StorageError>;
    async fn webhooks_of(&self, owner: &str) -> Result<Vec<WebhookRow>, StorageError>;
    async fn put_webhook(&self, webhook: WebhookRow) -> Result<(), StorageError>;
    async fn delete_webhook(&self, id: &str) -> Result<(), StorageError>;
    async fn subscriptions(&self, webhook_id: &str) -> Result<Vec<Subscription>, StorageError>;
    async fn subscriptions_of(&self, owner: &str) -> Result<Vec<Subscription>, StorageError>;
    async fn put_subscription(&self, subscription: Subscription) -> Result<(), StorageError>;
    async fn delete_subscription(&self, owner: &str, id: &str) -> Result<Option<Subscription>, StorageError>;
    async fn record_delivery(&self, webhook_id: &str, delivery_id: &str, event: &str, runs: Vec<Run>, at: i64)
        -> Result<bool, StorageError>;
});

delegate!(RunStore {
    async fn create_runs(&self, runs: Vec<Run>) -> Result<(), StorageError>;
    async fn start_run(&self, id: &str, worker: &str, charge: u64, reason: &str) -> Result<Admission, StorageError>;
    async fn begin_inline(&self, run: Run, worker: &str, lease: Duration, charge: u64, reason: &str)
        -> Result<Admission, StorageError>;
    async fn flush(&self) -> Result<(), StorageError>;
    async fn run(&self, user_id: &str, id: &str) -> Result<Option<Run>, StorageError>;
    async fn runs(&self, user_id: &str, filter: &RunFilter, cursor: Option<&str>, limit: u32)
        -> Result<RunPage, StorageError>;
    async fn events(&self, run_id: &str, after: u64, limit: u32) -> Result<Vec<RunEvent>, StorageError>;
    async fn request_stop(&self, user_id: &str, id: &str) -> Result<StopOutcome, StorageError>;
}
    fn append_events(&self, events: Vec<RunEvent>) -> BoxFuture<'static, Result<(), StorageError>> {
        self.inner.append_events(events)
    }

    fn finish_run(&self, end: RunEnd) -> BoxFuture<'static, Result<(), StorageError>> {
        self.inner.finish_run(end)
    }
);

delegate!(RunQueue {
    async fn claim(&self, worker: &str, limit: u32, per_user: u32, lease: Duration) -> Result<Vec<Run>, StorageError>;
    async fn renew(&self, worker: &str, runs: &[String], lease: Duration) -> Result<Vec<String>, StorageError>;
    async fn release(&self, worker: &str, id: &str) -> Result<(), StorageError>;
    async fn recover(&self, all: bool) -> Result<Recovered, StorageError>;
});

delegate!(IdempotencyStore {
    async fn begin_idempotent(&self, user_id: &str, key: &str, hash: &[u8; 32], now: i64, expired_before: i64)
        -> Result<Idempotent, StorageError>;
    async fn finish_idempotent(&self, user_id: &str, key: &str, answer: StoredAnswer) -> Result<(), StorageError>;
    async fn abandon_idempotent(&self, user_id: &str, key: &str) -> Result<(), StorageError>;
});

delegate!(CallbackStore {
    async fn put_callback_secret(&self, user_id: &str, sealed: Vec<u8>) -> Result<(), StorageError>;
    async fn callback_secret(&self, user_id: &str) -> Result<Option<Vec<u8>>, StorageError>;
    async fn schedule_callback(&self, callback: Callback) -> Result<(), StorageError>;
    async fn claim_callbacks(&self, now: i64, hold_until: i64, limit: u32) -> Result<Vec<Callback>, StorageError>;
    async fn record_attempt(&self, run_id: &str, outcome: AttemptOutcome) -> Result<(), StorageError>;
    async fn callback(&self, run_id: &str) -> Result<Option<Callback>, StorageError>;
});

delegate!(ScheduleStore {
    async fn create_schedule(&self, schedule: Schedule) -> Result<(), StorageError>;
    async fn schedules(&self, user_id: &str) -> Result<Vec<Schedule>, StorageError>;
    async fn schedule(&self, user_id: &str, id: &str) -> Result<Option<Schedule>, StorageError>;
    async fn delete_schedule(&self, user_id: &str, id: &str) -> Result<bool, StorageError>;
    async fn due_schedules(&self, now: i64, limit: u32) -> Result<Vec<Schedule>, StorageError>;
    async fn earliest_fire(&self) -> Result<Option<i64>, StorageError>;
    async fn claim_fire(&self, claim: FireClaim) -> Result<bool, StorageError>;
});

delegate!(GraphStore {
    async fn create_graph(&self, user_id: &str, id: &str, first: GraphVersion) -> Result<StoredGraph, StorageError>;
    async fn add_graph_version(&self, user_id: &str, id: &str, version: GraphVersion, activate: bool) -> Result<Option<StoredGraph>, StorageError>;
    async fn set_active_version(&self, user_id: &str, id: &str, version: u32) -> Result<ActiveVersionChange, StorageError>;
    async fn graph(&self, user_id: &str, id: &str, version: Option<u32>) -> Result<Option<StoredGraph>, StorageError>;
    async fn graph_by_id(&self, id: &str, version: Option<u32>) -> Result<Option<StoredGraph>, StorageError>;
    async fn graphs(&self, user_id: &str) -> Result<Vec<StoredGraph>, StorageError>;
    async fn graph_versions(&self, user_id: &str, id: &str) -> Result<Vec<StoredGraph>, StorageError>;
    async fn delete_graph(&self, user_id: &str, id: &str) -> Result<bool, StorageError>;
});

delegate!(PollStore {
    async fn create_poll(&self, poll: PollSubscription) -> Result<(), StorageError>;
    async fn polls(&self, user_id: &str) -> Result<Vec<PollSubscription>, StorageError>;
    async fn delete_poll(&self, user_id: &str, id: &str) -> Result<bool, StorageError>;
    async fn due_polls(&self, now: i64, limit: u32) -> Result<Vec<PollSubscription>, StorageError>;
    async fn claim_poll(&self, id: &str, due: i64, lease_until: i64) -> Result<bool, StorageError>;
    async fn finish_poll(&self, id: &str, lease_until: i64, outcome: PollOutcome) -> Result<bool, StorageError>;
});

delegate!(OAuthStore {
    async fn create_oauth_client(&self, client: OAuthClient) -> Result<(), StorageError>;
    async fn oauth_client(&self, id: &str) -> Result<Option<OAuthClient>, StorageError>;
    async fn oauth_clients(&self) -> Result<Vec<OAuthClient>, StorageError>;
    async fn disable_oauth_client(&self, id: &str) -> Result<bool, StorageError>;
    async fn put_oauth_token(&self, token: OAuthToken) -> Result<(), StorageError>;
    async fn oauth_token(&self, hash: &[u8; 32]) -> Result<Option<OAuthToken>, StorageError>;
    async fn consume_oauth_token(&self, hash: &[u8; 32]) -> Result<Option<OAuthToken>, StorageError>;
    async fn revoke_oauth_token(&self, hash: &[u8; 32]) -> Result<(), StorageError>;
    async fn revoke_oauth_family(&self, family: &str) -> Result<usize, StorageError>;
    async fn put_provider_login(&self, login: ProviderLogin) -> Result<(), StorageError>;
    async fn take_provider_login(&self, state_hash: &[u8; 32], user_id: &str)
        -> Result<Option<ProviderLogin>, StorageError>;
});

delegate!(MarketplaceStore {
    async fn ensure_profile(&self, user_id: &str, name: &str, usernames: Vec<String>, now: i64)
        -> Result<Option<Profile>, StorageError>;
    async fn profile_by_username(&self, username: &str) -> Result<Option<Profile>, StorageError>;
    async fn update_profile(&self, profile: Profile) -> Result<bool, StorageError>;
    async fn publish(&self, publication: Publication) -> Result<Published, StorageError>;
    async fn store_agents(&self, query: AgentQuery) -> Result<Page<StoreAgent>, StorageError>;
    async fn store_agent(&self, username: &str, slug: &str) -> Result<Option<StoreAgent>, StorageError>;
    async fn listing_versions(&self, listing_id: &str) -> Result<Vec<ListingVersion>, StorageError>;
    async fn creators(&self, query: CreatorQuery) -> Result<Page<Creator>, StorageError>;
    async fn creator(&self, username: &str) -> Result<Option<Creator>, StorageError>;
    async fn rate(&self, listing_id: &str, user_id: &str, score: u8, comments: Option<String>, now: i64)
        -> Result<bool, StorageError>;
    async fn library_copy(&self, user_id: &str, listing_id: &str) -> Result<Option<LibraryCopy>, StorageError>;
    async fn put_library_copy(&self, user_id: &str, listing_id: &str, copy: LibraryCopy, now: i64)
        -> Result<(), StorageError>;
    async fn set_featured(&self, listing_id: &str, featured: bool) -> Result<bool, StorageError>;
});

delegate!(SettingStore {
    async fn ping(&self) -> Result<(), StorageError>;
    async fn setting_or_insert(&self, name: &str, value: Vec<u8>) -> Result<Vec<u8>, StorageError>;
});
