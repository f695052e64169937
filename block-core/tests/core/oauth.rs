//! OAuth 2, client side, against a local mock authorization server: login URL with
//! PKCE, code exchange, refresh, revoke, and the executor's single-flight refresh.

use crate::http_support;

use std::sync::Arc;
use std::time::Duration;

use block_core::credentials::{CredentialsMeta, CredentialsType, OAuth2Credentials, StoredCredentials};
use block_core::http::{HttpClient, ReqwestTransport};
use block_core::oauth::{OAuthApp, OAuthError, OAuthHandler, OAuthHandlers, OAuthSpec, Pkce, StandardOAuth2};
use block_core::prelude::*;
use block_core::provider::ProviderRegistration;
use block_core::{
    AuthMethod, CredentialStore, ExecuteError, ExecuteErrorKind, Executor, InMemoryCredentialStore, Provider,
    ProviderDescriptor, Registry, RunOptions,
};
use http_support::{Canned, Received, TestServer, local_policy};

const CLIENT_SECRET: &str = "client-secret-canary-77";

fn app() -> OAuthApp {
    OAuthApp { provider: "hub", client_id: "client-1".into(), client_secret: CLIENT_SECRET.into() }
}

fn form(request: &Received) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body).into_owned().collect()
}

fn field(request: &Received, name: &str) -> Option<String> {
    form(request).into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

fn client() -> HttpClient {
    HttpClient::new(local_policy(), Arc::new(ReqwestTransport::new().expect("transport")))
}

fn handler(server: &TestServer, revoke: bool) -> StandardOAuth2 {
    let revoke_url = server.url("/revoke");
    StandardOAuth2::new(
        app(),
        "https://hub.test/login/oauth/authorize",
        &server.url("/token"),
        revoke.then_some(revoke_url.as_str()),
    )
    .expect("valid endpoints")
}

#[test]
fn the_login_url_carries_state_and_an_s256_challenge() {
    let handler =
        StandardOAuth2::new(app(), "https://hub.test/authorize?prompt=consent", "https://hub.test/token", None)
            .expect("valid");
    let pkce = Pkce::new();
    let url = handler
        .authorize_url("https://app.test/callback", &["repo".into(), "user".into()], "state-123", &pkce)
        .expect("url");
    let pairs: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(pairs["prompt"], "consent", "existing query is kept");
    assert_eq!(pairs["response_type"], "code");
    assert_eq!(pairs["client_id"], "client-1");
    assert_eq!(pairs["redirect_uri"], "https://app.test/callback");
    assert_eq!(pairs["scope"], "repo user");
    assert_eq!(pairs["state"], "state-123");
    assert_eq!(pairs["code_challenge_method"], "S256");
    assert_eq!(pairs["code_challenge"], Pkce::from_verifier(pkce.verifier().clone()).challenge());
    assert!(!url.as_str().contains(pkce.verifier().expose_secret()), "the verifier never leaves the server");
    assert!(!url.as_str().contains(CLIENT_SECRET));
}

#[tokio::test]
async fn a_code_is_exchanged_with_its_verifier_for_tokens() {
    let server = TestServer::start(|_, _| {
        Canned::ok(r#"{"access_token":"at-1","token_type":"bearer","expires_in":3600,"refresh_token":"rt-1","scope":"repo,user"}"#)
            .header("content-type", "application/json")
    })
    .await;
    let pkce = Pkce::new();
    let tokens = handler(&server, false)
        .exchange_code(&client(), "code-9", "https://app.test/callback", &pkce)
        .await
        .expect("exchanged");
    let request = &server.requests()[0];
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/token"));
    assert_eq!(field(request, "grant_type").as_deref(), Some("authorization_code"));
    assert_eq!(field(request, "code").as_deref(), Some("code-9"));
    assert_eq!(field(request, "redirect_uri").as_deref(), Some("https://app.test/callback"));
    assert_eq!(field(request, "code_verifier").as_deref(), Some(pkce.verifier().expose_secret()));
    assert_eq!(field(request, "client_secret").as_deref(), Some(CLIENT_SECRET));
    let meta = CredentialsMeta { id: "c1".into(), provider: "hub".into(), kind: CredentialsType::OAuth2, title: None };
    let credentials = tokens.into_credentials(meta, &["ignored".into()], Some("ada".into()));
    assert_eq!(credentials.access_token.expose_secret(), "at-1");
    assert_eq!(credentials.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()).as_deref(), Some("rt-1"));
    assert_eq!(credentials.scopes, ["repo", "user"]);
    assert!(credentials.access_token_expires_at.is_some());
}

#[tokio::test]
async fn provider_refusals_are_reported_without_secrets() {
    let server = TestServer::start(|_, index| {
        if index == 0 {
            Canned::status(400).body(r#"{"error":"invalid_grant","error_description":"The code expired"}"#)
        } else {
            // Some providers (GitHub) answer errors with 200.
            Canned::ok(r#"{"error":"bad_verification_code"}"#)
        }
    })
    .await;
    let handler = handler(&server, false);
    let pkce = Pkce::new();
    for expected in ["invalid_grant (The code expired)", "bad_verification_code"] {
        let error = handler.exchange_code(&client(), "c", "https://app.test/cb", &pkce).await.expect_err("refused");
        let message = error.to_string();
        assert!(matches!(error, OAuthError::Provider { .. }), "{message}");
        assert!(message.contains(expected), "{message}");
        assert!(!message.contains(CLIENT_SECRET) && !message.contains(pkce.verifier().expose_secret()), "{message}");
    }
}

fn oauth_credentials(id: &str, access: &str, refresh: &str, expires_in: i64) -> OAuth2Credentials {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    OAuth2Credentials {
        meta: CredentialsMeta { id: id.into(), provider: "hub".into(), kind: CredentialsType::OAuth2, title: None },
        access_token: access.into(),
        access_token_expires_at: Some(now + expires_in),
        refresh_token: Some(refresh.into()),
        refresh_token_expires_at: None,
        scopes: vec!["repo".into()],
        username: Some("ada".into()),
    }
}

#[tokio::test]
async fn refresh_sends_the_refresh_token_and_revoke_the_token_with_a_hint() {
    let server = TestServer::start(|request, _| match request.path.as_str() {
        "/token" => Canned::ok(r#"{"access_token":"at-2","expires_in":"7200"}"#),
        _ => Canned::ok(""),
    })
    .await;
    let handler = handler(&server, true);
    let old = oauth_credentials("c1", "at-1", "rt-1", 10);
    let fresh = handler.refresh(&client(), &old).await.expect("refreshed").refreshed(&old);
    assert_eq!(fresh.access_token.expose_secret(), "at-2");
    assert_eq!(fresh.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()).as_deref(), Some("rt-1"), "kept");
    assert_eq!(fresh.scopes, ["repo"], "kept when not restated");
    assert!(handler.revoke(&client(), &fresh).await.expect("revoked"));
    let requests = server.requests();
    assert_eq!(field(&requests[0], "grant_type").as_deref(), Some("refresh_token"));
    assert_eq!(field(&requests[0], "refresh_token").as_deref(), Some("rt-1"));
    assert_eq!(requests[1].path, "/revoke");
    assert_eq!(field(&requests[1], "token").as_deref(), Some("rt-1"));
    assert_eq!(field(&requests[1], "token_type_hint").as_deref(), Some("refresh_token"));
    assert!(!self::handler(&server, false).revoke(&client(), &fresh).await.expect("no endpoint"), "cannot revoke");
}

/// The hub test provider, with OAuth.
pub struct Hub;

impl Provider for Hub {
    const DESCRIPTOR: &'static ProviderDescriptor = &ProviderDescriptor {
        name: "hub",
        display_name: "Hub",
        icon: None,
        auth: &[AuthMethod::OAuth2 {
            default_scopes: &["repo"],
            client_id_env: "HUB_CLIENT_ID",
            client_secret_env: "HUB_CLIENT_SECRET",
            handler: OAuthSpec::Standard {
                authorize_url: "https://hub.test/authorize",
                token_url: "https://hub.test/token",
                revoke_url: None,
            },
        }],
        trusted_origins: &[],
        base_costs: &[],
        webhooks: None,
    };
}

inventory::submit!(ProviderRegistration(Hub::DESCRIPTOR));

/// Input of the token-checking block.
#[derive(BlockInput)]
pub struct TokenInput {
    /// Hub access.
    pub credentials: Credentials<Hub, OAuth2>,
    /// How long to hold the credentials before answering.
    #[block_input(default = 0)]
    pub hold_ms: u64,
}

/// Outputs of the token-checking block.
#[derive(BlockOutput)]
pub enum TokenOutput {
    /// Whether the block got the refreshed token.
    Fresh(bool),
}

/// Reports whether its token is the refreshed one.
#[block(id = "8f7e6d5c-4b3a-4291-8a0b-9c8d7e6f5a4b", categories(Basic), untested = "cases are in this file")]
pub struct TokenBlock;

impl Run for TokenBlock {
    type Input = TokenInput;
    type Output = TokenOutput;
    async fn run(&self, input: TokenInput, _ctx: &RunContext, out: &Emit<TokenOutput>) -> Result<(), BlockError> {
        tokio::time::sleep(Duration::from_millis(input.hold_ms)).await;
        out.emit(TokenOutput::Fresh(input.credentials.access_token().expose_secret() == "fresh-access")).await
    }
}

fn executor(server: &TestServer, store: InMemoryCredentialStore) -> Executor {
    let handlers = OAuthHandlers::new().with("hub", Arc::new(handler(server, false)));
    Executor::new()
        .with_credentials(Arc::new(store))
        .with_oauth(handlers)
        .with_http_policy(local_policy())
        .with_transport(Arc::new(ReqwestTransport::new().expect("transport")))
}

fn input(hold_ms: u64) -> Value {
    json!({"credentials": {"id": "shared", "provider": "hub", "type": "oauth2"}, "hold_ms": hold_ms})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_sharing_an_expiring_token_refresh_it_once() {
    let server = TestServer::start(|_, _| {
        std::thread::sleep(Duration::from_millis(50));
        Canned::ok(r#"{"access_token":"fresh-access","refresh_token":"rt-2","expires_in":3600}"#)
    })
    .await;
    let store = InMemoryCredentialStore::new()
        .with_user("alice", [StoredCredentials::OAuth2(oauth_credentials("shared", "stale", "rt-1", 60))]);
    let executor = executor(&server, store.clone());
    let registry = Registry::builder().block::<TokenBlock>().build().expect("valid");
    let block = registry.by_name("TokenBlock").expect("registered");
    let runs = (0..10).map(|_| async {
        executor.execute(block, input(0), RunOptions::for_user("alice")).await.expect("starts").collect().await
    });
    for outputs in futures_util::future::join_all(runs).await {
        assert_eq!(outputs.to_json(), json!({"fresh": [true]}));
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "one refresh for ten runs");
    assert_eq!(field(&requests[0], "refresh_token").as_deref(), Some("rt-1"));
    let Some(StoredCredentials::OAuth2(saved)) = store.get("alice", "shared").await.expect("store") else {
        panic!("the credentials are still stored")
    };
    assert_eq!(saved.access_token.expose_secret(), "fresh-access");
    assert_eq!(saved.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()).as_deref(), Some("rt-2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_sharing_a_credential_are_not_serialised() {
    let server = TestServer::start(|_, _| Canned::ok(r#"{"access_token":"fresh-access","expires_in":3600}"#)).await;
    let store = InMemoryCredentialStore::new()
        .with_user("alice", [StoredCredentials::OAuth2(oauth_credentials("shared", "fresh-access", "rt-1", 3600))]);
    let executor = executor(&server, store);
    let registry = Registry::builder().block::<TokenBlock>().build().expect("valid");
    let block = registry.by_name("TokenBlock").expect("registered");
    let slow = executor.execute(block, input(5_000), RunOptions::for_user("alice")).await.expect("starts");
    let quick = tokio::time::timeout(Duration::from_secs(2), async {
        executor.execute(block, input(0), RunOptions::for_user("alice")).await.expect("starts").collect().await
    })
    .await
    .expect("a second run finishes while the first still holds the same credentials");
    assert_eq!(quick.to_json(), json!({"fresh": [true]}));
    drop(slow);
    assert!(server.requests().is_empty(), "a token far from expiry is not refreshed");
}

#[tokio::test]
async fn a_refused_refresh_is_a_credentials_problem_without_secrets() {
    let server = TestServer::start(|_, _| Canned::status(400).body(r#"{"error":"invalid_grant"}"#)).await;
    let store = InMemoryCredentialStore::new()
        .with_user("alice", [StoredCredentials::OAuth2(oauth_credentials("shared", "stale", "rt-canary", 10))]);
    let registry = Registry::builder().block::<TokenBlock>().build().expect("valid");
    let block = registry.by_name("TokenBlock").expect("registered");
    let error =
        executor(&server, store).execute(block, input(0), RunOptions::for_user("alice")).await.expect_err("refused");
    let ExecuteError::UnusableCredentials { problems, .. } = error else {
        panic!("expected a credentials problem: {error}")
    };
    assert_eq!(problems[0].path, "/credentials");
    assert!(problems[0].message.contains("could not be refreshed") && problems[0].message.contains("invalid_grant"));
    assert!(!problems[0].message.contains("rt-canary") && !problems[0].message.contains(CLIENT_SECRET));
}

/// Prepares a TokenBlock run whose token expires in 10 s, refreshed at `server`.
async fn prepare_with_expiring_token(server: &TestServer) -> Result<block_core::PreparedRun, ExecuteError> {
    let store = InMemoryCredentialStore::new()
        .with_user("alice", [StoredCredentials::OAuth2(oauth_credentials("shared", "stale", "rt-canary", 10))]);
    let registry = Registry::builder().block::<TokenBlock>().build().expect("valid");
    let block = registry.by_name("TokenBlock").expect("registered");
    executor(server, store).prepare(block, input(0), RunOptions::for_user("alice")).await
}

#[tokio::test]
async fn a_provider_outage_during_refresh_is_unavailable_with_the_wait_it_asked_for() {
    let server =
        TestServer::start(|_, _| Canned::status(503).header("retry-after", "30").body("<html>down</html>")).await;
    let error = prepare_with_expiring_token(&server).await.expect_err("the provider is down");
    assert_eq!(error.kind(), ExecuteErrorKind::Unavailable, "{error}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
    assert!(error.problems().is_empty(), "the credentials are not at fault: {error}");
    assert!(!error.to_string().contains("rt-canary") && !error.to_string().contains(CLIENT_SECRET), "{error}");
}

#[tokio::test]
async fn temporarily_unavailable_is_unavailable_and_invalid_grant_is_a_credentials_problem() {
    let server = TestServer::start(|_, index| match index {
        0 => Canned::status(400).body(r#"{"error":"temporarily_unavailable"}"#),
        _ => Canned::status(400).body(r#"{"error":"invalid_grant"}"#),
    })
    .await;
    let first = prepare_with_expiring_token(&server).await.expect_err("not now");
    assert_eq!((first.kind(), first.retry_after()), (ExecuteErrorKind::Unavailable, None), "{first}");
    let second = prepare_with_expiring_token(&server).await.expect_err("refused");
    assert_eq!(second.kind(), ExecuteErrorKind::UnusableCredentials, "{second}");
    assert!(second.to_string().contains("reconnect the account"), "{second}");
}

#[tokio::test]
async fn an_unreachable_provider_during_refresh_is_unavailable() {
    // Bind then drop a listener: nothing listens on the port, so connecting is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let handlers = OAuthHandlers::new().with(
        "hub",
        Arc::new(
            StandardOAuth2::new(app(), "https://hub.test/authorize", &format!("http://127.0.0.1:{port}/token"), None)
                .expect("valid"),
        ),
    );
    let store = InMemoryCredentialStore::new()
        .with_user("alice", [StoredCredentials::OAuth2(oauth_credentials("shared", "stale", "rt-1", 10))]);
    let registry = Registry::builder().block::<TokenBlock>().build().expect("valid");
    let block = registry.by_name("TokenBlock").expect("registered");
    let error = Executor::new()
        .with_credentials(Arc::new(store))
        .with_oauth(handlers)
        .with_http_policy(local_policy())
        .with_transport(Arc::new(ReqwestTransport::new().expect("transport")))
        .prepare(block, input(0), RunOptions::for_user("alice"))
        .await
        .expect_err("nobody answers");
    assert_eq!(error.kind(), ExecuteErrorKind::Unavailable, "{error}");
}

#[test]
fn handlers_come_from_the_environment_or_say_what_is_missing() {
    let (handlers, problems) = OAuthHandlers::from_env([Hub::DESCRIPTOR], |name| match name {
        "HUB_CLIENT_ID" => Some("id".into()),
        _ => None,
    });
    assert!(handlers.get("hub").is_none());
    assert_eq!(problems.len(), 1);
    assert!(problems[0].to_string().contains("set HUB_CLIENT_SECRET"), "{}", problems[0]);
    let (handlers, problems) = OAuthHandlers::from_env([Hub::DESCRIPTOR], |_| Some("x".into()));
    assert!(handlers.get("hub").is_some() && problems.is_empty());
}
