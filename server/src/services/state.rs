//! The services' shared state: the registry, the storage, the executor, the
//! stores that seal secrets, the caller authenticator and the server's settings.
//! Every door (HTTP, the command line) holds one [`AppState`] and calls the
//! services with it.

use std::sync::Arc;
use std::time::Duration;

use super::auth::Authenticator;
use super::credentials::SealedCredentialStore;
use super::oauth_server::registration::RegistrationLimit;
use super::runs::RunHub;
use super::webhook_store::SealedWebhookStore;
use crate::domain::Cipher;
use crate::storage::{Storage, StorageError};
use block_core::credentials::StoredCredentials;
use block_core::http::{HttpClient, HttpPolicy, Transport, default_transport};
use block_core::oauth::OAuthHandlers;
use block_core::webhooks::Webhooks;
use block_core::{Executor, Registry};

/// A registry the state can hold: the global one, or one built for the occasion.
pub use block_core::registry::SharedRegistry;

/// Tunable limits and addresses.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The URL the server is reached at from outside, without a trailing `/`; webhook
    /// ingress URLs and the printed `curl` line start with it.
    pub public_url: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Requests per minute per API key; 0 for no limit.
    pub rate_limit_per_minute: u32,
    /// Failed authentications per minute per client address before it is refused
    /// for a while (the reference allows 120); 0 for no limit.
    pub auth_failures_per_minute: u32,
    /// Credits a new user starts with.
    pub starting_credits: u64,
    /// Longest a block may run.
    pub execution_timeout: Duration,
    /// Requests served at once; more wait their turn.
    pub max_concurrent_requests: usize,
    /// Queued runs this process runs at once.
    pub max_running_runs: usize,
    /// Runs of one user running at once, across the server (the reference's 25).
    pub runs_per_user: u32,
    /// How long a worker's claim on a run lasts without being renewed.
    pub run_lease: Duration,
    /// Bytes of output values kept per run (as JSON); later values are dropped
    /// and their pin marked truncated.
    pub run_output_cap_bytes: usize,
    /// Lifetimes of what the OAuth authorization server issues.
    pub oauth: OAuthLifetimes,
    /// Origins (`scheme://host[:port]`) a provider login may send the user back
    /// to (`callback_url` of `.../oauth/initiate`); the server's own public URL's
    /// origin is always allowed.
    pub oauth_callback_origins: Vec<String>,
}

/// How long the OAuth authorization server's codes and tokens live.
#[derive(Debug, Clone, Copy)]
pub struct OAuthLifetimes {
    /// Authorization codes (10 minutes).
    pub code: Duration,
    /// Access tokens (1 hour).
    pub access: Duration,
    /// Refresh tokens (30 days).
    pub refresh: Duration,
    /// One-time sign-in links (10 minutes).
    pub login_link: Duration,
    /// Signed-in browser sessions (12 hours).
    pub session: Duration,
    /// Connecting an account at a provider, from `initiate` to `complete` (10
    /// minutes).
    pub provider_login: Duration,
}

impl Default for OAuthLifetimes {
    fn default() -> Self {
        OAuthLifetimes {
            code: Duration::from_secs(600),
            access: Duration::from_secs(3600),
            refresh: Duration::from_secs(30 * 24 * 3600),
            login_link: Duration::from_secs(600),
            session: Duration::from_secs(12 * 3600),
            provider_login: Duration::from_secs(600),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:8000".to_owned(),
            max_body_bytes: 1 << 20,
            rate_limit_per_minute: 600,
            auth_failures_per_minute: 120,
            starting_credits: 1000,
            execution_timeout: Duration::from_secs(300),
            max_concurrent_requests: 1024,
            max_running_runs: 64,
            runs_per_user: 25,
            run_lease: Duration::from_secs(30),
            run_output_cap_bytes: 1 << 20,
            oauth: OAuthLifetimes::default(),
            oauth_callback_origins: Vec::new(),
        }
    }
}

/// The state of a running server. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// The shared parts of an [`AppState`]; reach them through its accessors.
pub(super) struct Inner {
    pub(super) registry: SharedRegistry,
    pub(super) storage: Arc<dyn Storage>,
    pub(super) credentials: Arc<SealedCredentialStore>,
    pub(super) webhook_store: Arc<SealedWebhookStore>,
    pub(super) executor: Executor,
    pub(super) webhooks: Webhooks,
    pub(super) auth: Authenticator,
    pub(super) runs: RunHub,
    /// The providers' OAuth handlers, to connect accounts and revoke them.
    pub(super) oauth: OAuthHandlers,
    /// Outbound HTTP of the server itself (token exchanges, revocations).
    pub(super) http: HttpClient,
    /// Seals what the storage keeps secret.
    pub(super) cipher: Arc<Cipher>,
    pub(super) settings: Settings,
    /// The `GET /blocks` body, rendered once.
    pub(super) listing: bytes::Bytes,
    /// The per-address limit on dynamic client registrations.
    pub(super) registrations: RegistrationLimit,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("settings", &self.inner.settings).finish_non_exhaustive()
    }
}

/// Why the state could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The key does not open what the data directory holds.
    #[error(
        "the encryption key does not match the one this data directory was written with; \
         set BLOCKS_ENCRYPTION_KEY (or restore the key file) to the original key"
    )]
    WrongKey,
}

/// Builds an [`AppState`].
pub struct AppStateBuilder {
    registry: SharedRegistry,
    storage: Arc<dyn Storage>,
    cipher: Arc<Cipher>,
    platform: Vec<StoredCredentials>,
    oauth: OAuthHandlers,
    transport: Option<Arc<dyn Transport>>,
    http_policy: HttpPolicy,
    settings: Settings,
}

/// The setting holding a value sealed at first start, to recognise the key later.
const KEY_CHECK: &str = "encryption_key_check";

impl AppState {
    /// Starts building the state of a server over `registry` and `storage`,
    /// sealing secrets with `cipher`.
    pub fn builder(registry: impl Into<SharedRegistry>, storage: Arc<dyn Storage>, cipher: Cipher) -> AppStateBuilder {
        AppStateBuilder {
            registry: registry.into(),
            storage,
            cipher: Arc::new(cipher),
            platform: Vec::new(),
            oauth: OAuthHandlers::new(),
            transport: None,
            http_policy: HttpPolicy::default(),
            settings: Settings::default(),
        }
    }

    /// The blocks served.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The blocks served, shared (for what holds on to them, as a graph executor).
    pub fn shared_registry(&self) -> &SharedRegistry {
        &self.inner.registry
    }

    /// The storage.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.inner.storage
    }

    /// The users' credentials (sealed) and the platform defaults.
    pub fn credentials(&self) -> &Arc<SealedCredentialStore> {
        &self.inner.credentials
    }

    /// Webhooks and trigger subscriptions.
    pub fn webhook_store(&self) -> &Arc<SealedWebhookStore> {
        &self.inner.webhook_store
    }

    /// The executor every run goes through.
    pub fn executor(&self) -> &Executor {
        &self.inner.executor
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The webhook lifecycle (subscribe, unsubscribe, ingress URLs).
    pub fn webhooks(&self) -> &Webhooks {
        &self.inner.webhooks
    }

    /// The providers' OAuth handlers.
    pub fn oauth_handlers(&self) -> &OAuthHandlers {
        &self.inner.oauth
    }

    /// Outbound HTTP of the server itself (token exchanges, revocations).
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// Seals what the storage keeps secret.
    pub fn cipher(&self) -> &Cipher {
        &self.inner.cipher
    }

    /// Who is calling: API keys, OAuth access tokens, and the limits on both.
    pub fn authenticator(&self) -> &Authenticator {
        &self.inner.auth
    }

    /// The runs this process holds.
    pub fn run_hub(&self) -> &RunHub {
        &self.inner.runs
    }

    /// The `GET /blocks` body, rendered once at start.
    pub fn listing(&self) -> &bytes::Bytes {
        &self.inner.listing
    }

    /// The per-address limit on dynamic client registrations.
    pub fn registration_limit(&self) -> &RegistrationLimit {
        &self.inner.registrations
    }
}

impl AppStateBuilder {
    /// Platform default credentials, usable by every user (usually
    /// `block_core::provider::platform_credentials` of the environment).
    pub fn platform_credentials(mut self, credentials: Vec<StoredCredentials>) -> Self {
        self.platform = credentials;
        self
    }

    /// OAuth handlers, to refresh tokens before runs.
    pub fn oauth(mut self, handlers: OAuthHandlers) -> Self {
        self.oauth = handlers;
        self
    }

    /// Sends blocks' (and webhook registrations') HTTP through `transport`; tests
    /// plug in a `MockTransport`.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The base policy of outbound HTTP.
    pub fn http_policy(mut self, policy: HttpPolicy) -> Self {
        self.http_policy = policy;
        self
    }

    /// Limits and addresses.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Checks the key against the storage (sealing a check value on first start)
    /// and builds the state.
    pub async fn build(self) -> Result<AppState, StateError> {
        let check = self.cipher.seal(KEY_CHECK, KEY_CHECK.as_bytes()).map_err(|_| StateError::WrongKey)?;
        let stored = self.storage.setting_or_insert(KEY_CHECK, check).await?;
        if self.cipher.open(KEY_CHECK, &stored).is_err() {
            return Err(StateError::WrongKey);
        }
        let credentials =
            Arc::new(SealedCredentialStore::new(self.storage.clone(), self.cipher.clone(), self.platform));
        let webhook_store = Arc::new(SealedWebhookStore::new(self.storage.clone(), self.cipher.clone()));
        let auth = Authenticator::new(
            self.storage.clone(),
            self.settings.rate_limit_per_minute,
            self.settings.auth_failures_per_minute,
        );
        let transport = self.transport.unwrap_or_else(default_transport);
        let executor = Executor::new()
            .with_credentials(credentials.clone())
            .with_oauth(self.oauth.clone())
            .with_http_policy(self.http_policy.clone())
            .with_transport(transport.clone())
            .with_timeout(self.settings.execution_timeout);
        let http = HttpClient::new(self.http_policy, transport);
        let webhooks = Webhooks::new(webhook_store.clone(), http.clone(), &self.settings.public_url);
        let settings =
            Settings { public_url: self.settings.public_url.trim_end_matches('/').to_owned(), ..self.settings };
        Ok(AppState {
            inner: Arc::new(Inner {
                listing: bytes::Bytes::from(self.registry.listing_json().to_owned()),
                registry: self.registry,
                storage: self.storage,
                credentials,
                webhook_store,
                executor,
                webhooks,
                auth,
                runs: RunHub::default(),
                oauth: self.oauth,
                http,
                cipher: self.cipher,
                settings,
                registrations: RegistrationLimit::default(),
            }),
        })
    }
}
