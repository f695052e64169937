//! A real server on 127.0.0.1 for each test over a fresh data directory, and
//! rmcp's own client connected to its `/mcp` endpoint.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use block_core::http::MockTransport;
use block_core::{ExposeSecret, Registry};
use block_server::domain::secrets;
use block_server::domain::{Cipher, OAuthClient, OAuthToken, Scope, TokenKind};
use block_server::services::accounts;
use block_server::storage::{SqliteStorage, Storage};
use block_server::{AppState, Settings};
use rmcp::model::{ClientCapabilities, ClientConfig, Implementation, ProgressNotificationParam, ProtocolVersion};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server.
pub struct TestServer {
    pub url: String,
    pub state: AppState,
    /// A key of the local user holding every scope.
    pub key: String,
    pub user_id: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// A fresh directory under the target's temporary directory.
pub fn fresh_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "mcp-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the test directory is created");
    dir
}

impl TestServer {
    pub async fn start(name: &str) -> TestServer {
        Self::start_with(name, Settings { rate_limit_per_minute: 0, ..Settings::default() }).await
    }

    pub async fn start_with(name: &str, settings: Settings) -> TestServer {
        // Clients here speak plain HTTP only; the TLS provider is never used but
        // must exist to build one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = fresh_dir(name);
        let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&dir).expect("the storage opens"));
        let (cipher, _) = Cipher::load(None, &dir).expect("the key loads");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port is free");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let settings = Settings { public_url: url.clone(), ..settings };
        let starting_credits = settings.starting_credits;
        let state = AppState::builder(Registry::global().expect("valid registry"), storage.clone(), cipher)
            .transport(Arc::new(MockTransport::new([])))
            .settings(settings)
            .build()
            .await
            .expect("the state builds");
        let (user, _) = accounts::local_user(storage.as_ref(), starting_credits).await.expect("local user");
        let (key, _) =
            accounts::create_api_key(storage.as_ref(), &user.id, "tests", Scope::ALL.to_vec()).await.expect("key");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(block_server::app::run_until(
            listener,
            state.clone(),
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(5),
        ));
        TestServer {
            url,
            state,
            key: key.key.expose_secret().to_owned(),
            user_id: user.id,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn mcp_url(&self) -> String {
        format!("{}/mcp", self.url)
    }

    /// A key of the local user with exactly `scopes`.
    pub async fn key_with(&self, scopes: &[Scope]) -> String {
        let storage = self.state.storage();
        let (key, _) =
            accounts::create_api_key(storage.as_ref(), &self.user_id, "scoped", scopes.to_vec()).await.expect("key");
        key.key.expose_secret().to_owned()
    }

    /// An access token of the local user with every scope, bound to `resource`.
    pub async fn bearer_for(&self, resource: Option<&str>) -> String {
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
                scopes: Scope::ALL.to_vec(),
                family: token.clone(),
                redirect_uri: None,
                code_challenge: None,
                expires_at: i64::MAX,
                used_at: None,
                revoked_at: None,
                resource: resource.map(str::to_owned),
            })
            .await
            .expect("the token is stored");
        token
    }

    /// rmcp's client on `/mcp`, presenting `key` in `X-API-Key`.
    pub async fn connect(&self, key: &str) -> Connected {
        let mut headers = HashMap::new();
        headers.insert(
            http::HeaderName::from_static("x-api-key"),
            http::HeaderValue::from_str(key).expect("a header value"),
        );
        let config = StreamableHttpClientTransportConfig::with_uri(self.mcp_url()).custom_headers(headers);
        connect(StreamableHttpClientTransport::from_config(config)).await
    }

    /// rmcp's client on `/mcp` speaking the 2025-06-18 revision (sessions, and
    /// `notifications/cancelled` on their own POST), presenting `key`.
    pub async fn connect_with_sessions(&self, key: &str) -> Connected {
        let mut headers = HashMap::new();
        headers.insert(
            http::HeaderName::from_static("x-api-key"),
            http::HeaderValue::from_str(key).expect("a header value"),
        );
        let config = StreamableHttpClientTransportConfig::with_uri(self.mcp_url()).custom_headers(headers);
        let heard = Listener { protocol: Some(ProtocolVersion::V_2025_06_18), ..Listener::default() };
        let client =
            heard.clone().serve(StreamableHttpClientTransport::from_config(config)).await.expect("initialized");
        Connected { client, heard }
    }

    /// rmcp's client on `/mcp`, presenting `token` as a bearer token.
    pub async fn connect_bearer(&self, token: &str) -> Connected {
        let config = StreamableHttpClientTransportConfig::with_uri(self.mcp_url()).auth_header(token.to_owned());
        connect(StreamableHttpClientTransport::from_config(config)).await
    }

    /// Sends the shutdown signal and waits for the server to stop.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// A client that keeps every progress notification it hears.
#[derive(Clone, Default)]
pub struct Listener {
    pub progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
    /// The protocol revision to ask for (the SDK's newest when `None`).
    pub protocol: Option<ProtocolVersion>,
}

impl ClientHandler for Listener {
    fn get_info(&self) -> ClientConfig {
        let config = ClientConfig::new(ClientCapabilities::default(), Implementation::new("block-server-tests", "1"));
        match &self.protocol {
            Some(version) => config.with_protocol_version(version.clone()),
            None => config,
        }
    }

    async fn on_progress(&self, params: ProgressNotificationParam, _context: NotificationContext<RoleClient>) {
        self.progress.lock().expect("not poisoned").push(params);
    }
}

/// A connected client and what it heard.
pub struct Connected {
    pub client: RunningService<RoleClient, Listener>,
    pub heard: Listener,
}

pub async fn connect<T, E, A>(transport: T) -> Connected
where
    T: rmcp::transport::IntoTransport<RoleClient, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    let heard = Listener::default();
    let client = heard.clone().serve(transport).await.expect("the client initializes");
    Connected { client, heard }
}
