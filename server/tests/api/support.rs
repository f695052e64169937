//! A real server on 127.0.0.1 for each test, over a fresh data directory, with a
//! mock transport for the blocks' outbound HTTP; and a small client.

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
        let storage = Arc::new(SqliteStorage::open(&dir).expect("the storage opens"));
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
                expires_at: i64::MAX,
                used_at: None,
                revoked_at: None,
            })
            .await
            .expect("the token is stored");
        token
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

    pub fn client(&self) -> Client {
        Client { http: http_client(), base: self.url.clone(), key: Some(self.key.clone()) }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

pub fn http_client() -> reqwest::Client {
    // Plain HTTP only; the TLS provider is never used but must exist to build a client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().expect("the client builds")
}

/// Requests with (or without) an API key; every answer is kept for checks.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub key: Option<String>,
}

/// A finished response.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Asserts the status and, for errors, the one error shape.
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "status; body: {}", self.text);
        if status >= 400 {
            let error = &self.json()["error"];
            assert!(error["code"].is_string() && error["message"].is_string(), "error shape: {}", self.text);
            assert!(error.get("details").is_some(), "error shape has details: {}", self.text);
        }
        self
    }

    /// The error code of the one error shape (empty for any other body).
    pub fn code(&self) -> String {
        let body: Value = serde_json::from_str(&self.text).unwrap_or_default();
        body["error"]["code"].as_str().unwrap_or_default().to_owned()
    }
}

impl Client {
    pub fn with_key(&self, key: Option<&str>) -> Client {
        Client { key: key.map(str::to_owned), ..self.clone() }
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        match &self.key {
            // OAuth access tokens go where a third-party application sends them.
            Some(token) if token.starts_with(block_server::domain::secrets::ACCESS_TOKEN_PREFIX) => {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            Some(key) => request = request.header("x-api-key", key),
            None => {}
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("the body is read");
        Answer { status, headers, text }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send("POST", path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send("DELETE", path, None, &[]).await
    }
}

/// `(event, data)` pairs of a Server-Sent Events body.
pub fn sse_events(text: &str) -> Vec<(String, Value)> {
    let mut events = Vec::new();
    for block in text.split("\n\n").filter(|block| !block.trim().is_empty()) {
        let mut name = String::from("message");
        let mut data = String::new();
        for line in block.lines() {
            if let Some(value) = line.strip_prefix("event:") {
                name = value.trim().to_owned();
            } else if let Some(value) = line.strip_prefix("data:") {
                data.push_str(value.trim_start());
            }
        }
        if line_is_comment_only(block) {
            continue;
        }
        events.push((name, serde_json::from_str(&data).unwrap_or(Value::String(data))));
    }
    events
}

fn line_is_comment_only(block: &str) -> bool {
    block.lines().all(|line| line.starts_with(':'))
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
