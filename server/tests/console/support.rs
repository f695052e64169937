//! A real server on 127.0.0.1 over a fresh data directory, and a browser-like
//! client that keeps the session cookie and sends forms.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use block_core::ExposeSecret;
use block_core::Registry;
use block_server::domain::{Cipher, Scope};
use block_server::services::accounts;
use block_server::storage::SqliteStorage;
use block_server::{AppState, AppStateBuilder, Settings};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A running server.
pub struct Console {
    pub url: String,
    pub state: AppState,
    pub user_id: String,
    /// A key of the local user holding every scope.
    pub key: String,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn fresh_dir(name: &str) -> std::path::PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "console-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the test directory is created");
    dir
}

impl Console {
    pub async fn start(name: &str) -> Console {
        Self::start_with(name, |settings| settings).await
    }

    pub async fn start_with(name: &str, settings: impl FnOnce(Settings) -> Settings) -> Console {
        Self::start_custom(name, settings, |builder| builder).await
    }

    /// A server whose state builder `custom` adjusts (OAuth handlers, a mock
    /// transport, the HTTP policy).
    pub async fn start_custom(
        name: &str,
        settings: impl FnOnce(Settings) -> Settings,
        custom: impl FnOnce(AppStateBuilder) -> AppStateBuilder,
    ) -> Console {
        let dir = fresh_dir(name);
        let storage = std::sync::Arc::new(SqliteStorage::open(&dir).expect("the storage opens"));
        let (cipher, _) = Cipher::load(None, &dir).expect("the key loads");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port is free");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let settings = settings(Settings { public_url: url.clone(), rate_limit_per_minute: 0, ..Settings::default() });
        let builder = AppState::builder(Registry::global().expect("valid registry"), storage.clone(), cipher);
        let state = custom(builder.settings(settings)).build().await.expect("the state builds");
        let (user, _) = accounts::local_user(storage.as_ref(), 1000).await.expect("local user");
        let (key, _) =
            accounts::create_api_key(storage.as_ref(), &user.id, "tests", Scope::ALL.to_vec()).await.expect("key");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(block_server::app::run_until(
            listener,
            state.clone(),
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(2),
        ));
        Console { url, state, user_id: user.id, key: key.key.expose_secret().to_owned(), stop: Some(stop) }
    }

    /// A one-time sign-in link.
    pub async fn link(&self) -> String {
        let lifetime = Duration::from_secs(600);
        accounts::create_console_link(self.state.storage().as_ref(), &self.user_id, &self.url, lifetime)
            .await
            .expect("a link")
    }

    /// A browser not signed in.
    pub fn browser(&self) -> Browser {
        // reqwest is built without a crypto provider of its own.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
        Browser { http, base: self.url.clone(), cookie: None }
    }

    /// A browser signed in with a fresh link.
    pub async fn signed_in(&self) -> Browser {
        let mut browser = self.browser();
        let answer = browser.get_url(&self.link().await).await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        browser
    }
}

/// What the server answered.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookie: Option<String>,
    pub content_type: String,
    /// `X-Total-Count`, on the runs feed.
    pub total: Option<String>,
    pub body: String,
}

/// A client that behaves like a browser: it keeps the session cookie.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    pub cookie: Option<String>,
}

impl Browser {
    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = match &self.cookie {
            Some(cookie) => request.header(COOKIE, format!("blocks_session={cookie}")),
            None => request,
        };
        let answer = request.send().await.expect("the server answers");
        let header = |name| {
            answer
                .headers()
                .get(name)
                .and_then(|value: &reqwest::header::HeaderValue| value.to_str().ok())
                .map(str::to_owned)
        };
        let set_cookie = header(SET_COOKIE);
        if let Some(set) = &set_cookie {
            let value = set.split(';').next().and_then(|pair| pair.split_once('=')).map(|(_, value)| value.to_owned());
            self.cookie = value.filter(|value| !value.is_empty());
        }
        Page {
            status: answer.status().as_u16(),
            location: header(LOCATION),
            content_type: header(reqwest::header::CONTENT_TYPE).unwrap_or_default(),
            set_cookie,
            total: header(reqwest::header::HeaderName::from_static("x-total-count")),
            body: answer.text().await.expect("a body"),
        }
    }

    pub async fn get_url(&mut self, url: &str) -> Page {
        let request = self.http.get(url);
        self.send(request).await
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let url = format!("{}{path}", self.base);
        self.get_url(&url).await
    }

    /// Posts a form (`application/x-www-form-urlencoded`).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_with(path, fields, &[]).await
    }

    pub async fn post_with(&mut self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// The anti-forgery value the pages of this session carry.
    pub async fn csrf(&mut self) -> String {
        let page = self.get("/keys").await;
        value_of(&page.body, "name=\"csrf\" value=\"").expect("the page carries a csrf field")
    }
}

/// The text after `marker` up to the next `"`.
pub fn value_of(body: &str, marker: &str) -> Option<String> {
    let start = body.find(marker)? + marker.len();
    Some(body[start..].split('"').next()?.to_owned())
}

/// The events of a Server-Sent Events body, as (name, data).
pub fn events(body: &str) -> Vec<(String, String)> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut name = "message".to_owned();
            let mut data = None;
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    name = value.trim().to_owned();
                } else if let Some(value) = line.strip_prefix("data:") {
                    data = Some(value.trim_start().to_owned());
                }
            }
            data.map(|data| (name, data))
        })
        .collect()
}
