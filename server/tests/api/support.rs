//! A real server on 127.0.0.1 for each test, over a fresh data directory, with a
//! mock transport for the blocks' outbound HTTP; and the client every test sends
//! its requests through, which checks each answer against the served OpenAPI
//! document.

mod client;
pub mod contract;
mod counting_storage;

pub use client::{Answer, Client, REQUEST_ID, SharedContract, header_pairs, http_client, sse_events};
pub use counting_storage::CountingStorage;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use block_core::credentials::StoredCredentials;
use block_core::http::MockTransport;
use block_core::{ExposeSecret, Registry};
use block_server::domain::{Cipher, Scope};
use block_server::services::accounts as bootstrap;
use block_server::storage::{SqliteStorage, Storage};
use block_server::{AppState, Settings};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::OnceCell;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server.
pub struct TestServer {
    pub url: String,
    pub state: AppState,
    pub dir: PathBuf,
    pub mock: Arc<MockTransport>,
    /// A key of the local user holding every scope.
    pub key: String,
    pub user_id: String,
    contract: SharedContract,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// How to start one.
pub struct Options {
    pub settings: Settings,
    pub dir: Option<PathBuf>,
    pub grace: Duration,
    pub platform: Vec<StoredCredentials>,
    /// The providers' OAuth handlers.
    pub oauth: block_core::oauth::OAuthHandlers,
    /// The base policy of outbound HTTP.
    pub http_policy: block_core::http::HttpPolicy,
    /// The storage, when a test wraps the SQLite one (it must be opened over
    /// `dir`, which must then be given too); a fresh SQLite storage otherwise.
    pub storage: Option<Arc<dyn Storage>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            settings: Settings { rate_limit_per_minute: 0, ..Settings::default() },
            dir: None,
            grace: Duration::from_secs(5),
            platform: Vec::new(),
            oauth: block_core::oauth::OAuthHandlers::new(),
            http_policy: block_core::http::HttpPolicy::default(),
            storage: None,
        }
    }
}

/// A fresh directory under the target's temporary directory.
pub fn fresh_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "api-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the test directory is created");
    dir
}

impl TestServer {
    pub async fn start(name: &str) -> TestServer {
        Self::start_with(name, Options::default()).await
    }

    pub async fn start_with(name: &str, options: Options) -> TestServer {
        let dir = options.dir.unwrap_or_else(|| fresh_dir(name));
        let storage: Arc<dyn Storage> = match options.storage {
            Some(storage) => storage,
            None => Arc::new(SqliteStorage::open(&dir).expect("the storage opens")),
        };
        let (cipher, _) = Cipher::load(None, &dir).expect("the key loads");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port is free");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let mock = Arc::new(MockTransport::new([]));
        let settings = Settings { public_url: url.clone(), ..options.settings };
        let starting_credits = settings.starting_credits;
        let state = AppState::builder(Registry::global().expect("valid registry"), storage.clone(), cipher)
            .transport(mock.clone())
            .platform_credentials(options.platform)
            .oauth(options.oauth)
            .http_policy(options.http_policy)
            .settings(settings)
            .build()
            .await
            .expect("the state builds");
        let (user, _) = bootstrap::local_user(storage.as_ref(), starting_credits).await.expect("local user");
        let (key, _) =
            bootstrap::create_api_key(storage.as_ref(), &user.id, "tests", Scope::ALL.to_vec()).await.expect("key");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(block_server::app::run_until(
            listener,
            state.clone(),
            async move {
                let _ = stopped.await;
            },
            options.grace,
        ));
        TestServer {
            url,
            state,
            dir,
            mock,
            key: key.key.expose_secret().to_owned(),
            user_id: user.id,
            contract: Arc::new(OnceCell::new()),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// A key of the local user with exactly `scopes`.
    pub async fn key_with(&self, scopes: &[Scope]) -> String {
        let storage = self.state.storage();
        let (key, _) =
            bootstrap::create_api_key(storage.as_ref(), &self.user_id, "scoped", scopes.to_vec()).await.expect("key");
        key.key.expose_secret().to_owned()
    }

    /// An OAuth access token of the local user with exactly `scopes`, issued to a
    /// test client (registered on first use).
    pub async fn bearer_with(&self, scopes: &[Scope]) -> String {
        use block_server::domain::secrets;
        use block_server::domain::{OAuthClient, OAuthToken, TokenKind};
        let storage = self.state.storage();
        if storage.oauth_client("bci_tests").await.expect("storage").is_none() {
            let client = OAuthClient {
                id: "bci_tests".to_owned(),
                name: "tests".to_owned(),
                secret_hash: None,
                redirect_uris: vec!["http://127.0.0.1:9/callback".to_owned()],
                scopes: Scope::ALL.to_vec(),
                disabled: false,
                created_at: 0,
            };
            storage.create_oauth_client(client).await.expect("the client is stored");
        }
        let token = secrets::new_secret(secrets::ACCESS_TOKEN_PREFIX).expect("random");
        storage
            .put_oauth_token(OAuthToken {
                hash: secrets::hash(&token),
                kind: TokenKind::Access,
                client_id: Some("bci_tests".to_owned()),
                user_id: self.user_id.clone(),
                scopes: scopes.to_vec(),
                family: token.clone(),
                redirect_uri: None,
                code_challenge: None,
                resource: None,
                expires_at: i64::MAX,
                used_at: None,
                revoked_at: None,
            })
            .await
            .expect("the token is stored");
        token
    }

    /// The served OpenAPI document as the contract every answer is checked
    /// against.
    pub async fn contract(&self) -> &contract::Contract {
        self.client().contract().await;
        self.contract.get().expect("the document was fetched")
    }

    pub fn storage(&self) -> &Arc<dyn Storage> {
        self.state.storage()
    }

    /// Sends the shutdown signal and waits for the server to stop.
    pub async fn stop(mut self) -> PathBuf {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("the server task ends").expect("the server stops cleanly");
        }
        self.dir.clone()
    }

    pub fn trigger_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// A client holding the local user's key with every scope.
    pub fn client(&self) -> Client {
        Client::new(&self.url, Some(self.key.clone()), self.contract.clone())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Waits until `user` has `count` runs, none of them queued or running; returns
/// them, newest first.
pub async fn settled_runs(server: &TestServer, count: usize) -> Vec<block_server::domain::Run> {
    let started = std::time::Instant::now();
    loop {
        let runs = runs_of(server.storage().as_ref(), &server.user_id, 100).await;
        if runs.len() >= count && runs.iter().all(|run| run.status.is_final()) {
            return runs;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the runs did not end: {runs:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// `user`'s latest `limit` runs, newest first.
pub async fn runs_of<S: block_server::storage::RunStore + ?Sized>(
    storage: &S,
    user: &str,
    limit: u32,
) -> Vec<block_server::domain::Run> {
    let filter = block_server::storage::RunFilter::default();
    storage.runs(user, &filter, None, limit.min(10_000)).await.expect("the runs").items
}

/// How many values each pin of a finished run emitted (`None` while it runs).
pub fn pin_counts(run: &block_server::domain::Run) -> Option<Value> {
    run.finished_at?;
    Some(Value::Object(
        run.outputs
            .iter()
            .map(|(pin, values)| (pin.clone(), Value::from(values.as_array().map_or(0, Vec::len))))
            .collect(),
    ))
}

/// Waits up to `limit` for `check` to hold.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check().await
}
