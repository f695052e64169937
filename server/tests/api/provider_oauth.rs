//! Connecting a GitHub account through a local, GitHub-shaped OAuth provider
//! (answered by the mock transport), then running a GitHub block with it: the
//! expired token is refreshed before the run and the rotated tokens are stored
//! sealed; deleting the credentials revokes them and removes their webhooks.

use std::sync::Arc;

use block_core::credentials::{CredentialStore, StoredCredentials};
use block_core::http::{Exchange, HttpClient, HttpPolicy, Url};
use block_core::oauth::{OAuthApp, OAuthError, OAuthHandler, OAuthHandlers, Pkce, StandardOAuth2, TokenSet};
use block_core::prelude::*;
use block_core::webhooks::WebhookKind;
use block_server::domain::WebhookRow;
use block_server::domain::secrets::s256;
use block_server::{OAuthLifetimes, Settings};
use serde_json::json;

use crate::support::{Options, TestServer};

const AUTHORIZE_URL: &str = "http://127.0.0.1:9/login/oauth/authorize";
const TOKEN_URL: &str = "http://127.0.0.1:9/login/oauth/access_token";
const REVOKE_URL: &str = "http://127.0.0.1:9/login/oauth/revoke";
const USER_URL: &str = "http://127.0.0.1:9/user";
const CALLBACK: &str = "http://localhost:3000/integrations/callback";
const LIST_ISSUES: &str = "6d6e9bc6-452d-44f2-9f1b-efb42fc69e29";

/// The standard flow at the local provider, plus GitHub's `GET /user` for the
/// account's login.
struct LocalGithub(StandardOAuth2);

#[block_core::async_trait]
impl OAuthHandler for LocalGithub {
    fn authorize_url(
        &self,
        redirect_uri: &str,
        scopes: &[String],
        state: &str,
        pkce: &Pkce,
    ) -> Result<Url, OAuthError> {
        self.0.authorize_url(redirect_uri, scopes, state, pkce)
    }

    async fn exchange_code(
        &self,
        http: &HttpClient,
        code: &str,
        redirect_uri: &str,
        pkce: &Pkce,
    ) -> Result<TokenSet, OAuthError> {
        self.0.exchange_code(http, code, redirect_uri, pkce).await
    }

    async fn refresh(
        &self,
        http: &HttpClient,
        credentials: &block_core::credentials::OAuth2Credentials,
    ) -> Result<TokenSet, OAuthError> {
        self.0.refresh(http, credentials).await
    }

    async fn revoke(
        &self,
        http: &HttpClient,
        credentials: &block_core::credentials::OAuth2Credentials,
    ) -> Result<bool, OAuthError> {
        self.0.revoke(http, credentials).await
    }

    async fn username(&self, http: &HttpClient, access_token: &SecretString) -> Result<Option<String>, OAuthError> {
        let user: Value = http.get(USER_URL).bearer_auth(access_token).send().await?.error_for_status()?.json()?;
        Ok(user["login"].as_str().map(str::to_owned))
    }
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

async fn server() -> TestServer {
    server_with(OAuthLifetimes::default()).await
}

async fn server_with(lifetimes: OAuthLifetimes) -> TestServer {
    let app = OAuthApp { provider: "github", client_id: "local-app".into(), client_secret: "local-secret".into() };
    let standard = StandardOAuth2::new(app, AUTHORIZE_URL, TOKEN_URL, Some(REVOKE_URL)).expect("valid URLs");
    let oauth = OAuthHandlers::new().with("github", Arc::new(LocalGithub(standard)));
    let settings = Settings {
        rate_limit_per_minute: 0,
        oauth_callback_origins: vec!["http://localhost:3000".to_owned()],
        oauth: lifetimes,
        ..Settings::default()
    };
    // The operator trusts the provider's own origin, as for any provider that is
    // not on the public internet.
    let http_policy = HttpPolicy::default().trusted_origin("http://127.0.0.1:9").expect("an origin");
    TestServer::start_with("provider-oauth", Options { settings, oauth, http_policy, ..Options::default() }).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_account_runs_a_github_block_after_a_refresh_and_is_revoked_on_delete() {
    let server = server().await;
    let client = server.client();
    let initiate = "/external-api/v1/integrations/github/oauth/initiate";
    let complete = "/external-api/v1/integrations/github/oauth/complete";

    let elsewhere = client.post(initiate, &json!({"callback_url": "https://evil.test/cb", "scopes": ["repo"]})).await;
    assert_eq!(elsewhere.expect(400).code(), "callback_not_allowed");

    let started = client
        .post(initiate, &json!({"callback_url": CALLBACK, "scopes": ["repo"], "state_metadata": {"from": "test"}}))
        .await;
    let started = started.expect(200).json();
    let state_token = started["state_token"].as_str().expect("a state token").to_owned();
    let login = Url::parse(started["login_url"].as_str().expect("a login URL")).expect("a URL");
    let param = |name: &str| login.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    assert!(login.as_str().starts_with(AUTHORIZE_URL), "{login}");
    assert_eq!(param("state").as_deref(), Some(state_token.as_str()));
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(param("redirect_uri").as_deref(), Some(CALLBACK));
    assert!(param("code_verifier").is_none(), "the verifier stays on the server");
    let challenge = param("code_challenge").expect("a challenge");

    server.mock.push(
        Exchange::post(TOKEN_URL)
            .body_matches(move |body| {
                form_field(body, "grant_type").as_deref() == Some("authorization_code")
                    && form_field(body, "code").as_deref() == Some("provider-code")
                    && form_field(body, "redirect_uri").as_deref() == Some(CALLBACK)
                    && form_field(body, "code_verifier").is_some_and(|verifier| s256(&verifier) == challenge)
            })
            // Expires within the refresh margin: the first run must refresh it.
            .respond_json(
                200,
                json!({"access_token": "gho_first", "token_type": "bearer", "expires_in": 60,
                       "refresh_token": "ghr_first", "scope": "repo"}),
            ),
    );
    server.mock.push(
        Exchange::get(USER_URL)
            .header("authorization", "Bearer gho_first")
            .respond_json(200, json!({"login": "octocat"})),
    );

    let stranger = block_server::domain::User {
        id: "someone-else".to_owned(),
        name: "Someone else".to_owned(),
        email: "else@localhost".to_owned(),
        timezone: "UTC".to_owned(),
    };
    server.storage().create_user(stranger.clone(), 0).await.expect("a second user");
    let (key, _) = block_server::services::accounts::create_api_key(
        server.storage().as_ref(),
        &stranger.id,
        "stranger",
        block_server::domain::Scope::ALL.to_vec(),
    )
    .await
    .expect("a key");
    let stolen = client
        .with_key(Some(key.key.expose_secret()))
        .post(complete, &json!({"code": "provider-code", "state_token": state_token}))
        .await;
    assert_eq!(stolen.expect(400).code(), "invalid_state", "the state is bound to the user who started");

    let forged = client.post(complete, &json!({"code": "provider-code", "state_token": "forged"})).await;
    assert_eq!(forged.expect(400).code(), "invalid_state");
    let connected = client.post(complete, &json!({"code": "provider-code", "state_token": state_token})).await;
    // The reference's answer: 200 with the new credentials' id and what initiate was given.
    let meta = connected.expect(200).json();
    assert_eq!(meta["provider"], "github");
    assert_eq!(meta["type"], "oauth2");
    assert_eq!(meta["scopes"], json!(["repo"]));
    assert_eq!(meta["username"], "octocat");
    assert_eq!(meta["title"], "GitHub (octocat)");
    let id = meta["credentials_id"].as_str().expect("an id").to_owned();
    let listed = client.get("/external-api/v1/integrations/github/credentials").await.expect(200).json();
    let listed = listed.as_array().into_iter().flatten().find(|c| c["id"] == id.as_str()).cloned().expect("listed");
    assert_eq!((&listed["scopes"], &listed["username"]), (&json!(["repo"]), &json!("octocat")), "{listed}");
    let replay = client.post(complete, &json!({"code": "provider-code", "state_token": state_token})).await;
    assert_eq!(replay.expect(400).code(), "invalid_state", "state tokens are single use");

    let sealed = server.storage().credentials(&server.user_id, &id).await.expect("storage").expect("stored");
    assert!(!String::from_utf8_lossy(&sealed.sealed).contains("gho_first"), "tokens are sealed at rest");

    server.mock.push(
        Exchange::post(TOKEN_URL)
            .body_matches(|body| {
                form_field(body, "grant_type").as_deref() == Some("refresh_token")
                    && form_field(body, "refresh_token").as_deref() == Some("ghr_first")
            })
            .respond_json(
                200,
                json!({"access_token": "gho_second", "token_type": "bearer", "expires_in": 28800,
                       "refresh_token": "ghr_second", "scope": "repo"}),
            ),
    );
    server.mock.push(
        Exchange::get("https://api.github.com/repos/octocat/hello-world/issues?state=open&per_page=100")
            .header("authorization", "Bearer gho_second")
            .respond_json(200, json!([{"number": 1, "title": "Hello", "state": "open", "user": {"login": "octocat"}}])),
    );
    let credentials = json!({"id": id, "provider": "github", "type": "oauth2", "title": meta["title"]});
    let run = client
        .post(
            &format!("/external-api/v1/blocks/{LIST_ISSUES}/execute"),
            &json!({"repo": "octocat/hello-world", "credentials": credentials}),
        )
        .await;
    let outputs = run.expect(200).json();
    assert_eq!(outputs["issue"][0]["title"], "Hello", "{outputs}");

    let stored = server.state.credentials().get(&server.user_id, &id).await.expect("store").expect("kept");
    let StoredCredentials::OAuth2(tokens) = stored else { panic!("OAuth credentials") };
    assert_eq!(tokens.access_token.expose_secret(), "gho_second", "the refreshed token is persisted");
    assert_eq!(tokens.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()).as_deref(), Some("ghr_second"));
    let sealed = server.storage().credentials(&server.user_id, &id).await.expect("storage").expect("stored");
    assert!(!String::from_utf8_lossy(&sealed.sealed).contains("gho_second"), "and sealed");

    server
        .storage()
        .put_webhook(WebhookRow {
            id: "hook-on-oauth".to_owned(),
            provider: "github".to_owned(),
            owner: server.user_id.clone(),
            kind: WebhookKind::Manual,
            resource: "octocat/hello-world".to_owned(),
            events: vec!["issues".to_owned()],
            credentials_id: Some(id.clone()),
            remote_id: None,
            sealed_secret: vec![0; 40],
        })
        .await
        .expect("a webhook");
    server.mock.push(
        Exchange::post(REVOKE_URL)
            .body_matches(|body| form_field(body, "token").as_deref() == Some("ghr_second"))
            .respond(200),
    );
    let deleted = client.delete(&format!("/external-api/v1/integrations/github/credentials/{id}")).await;
    let deleted = deleted.expect(200).json();
    assert_eq!(
        deleted,
        json!({"deleted": true, "credentials_id": id, "revoked": true, "webhooks_removed": 1}),
        "the reference's {{deleted, credentials_id}} and what deletion did"
    );
    assert!(server.storage().webhook("hook-on-oauth").await.expect("storage").is_none());
    server.mock.verify().expect("every provider exchange happened once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_provider_login_cannot_be_completed() {
    let server =
        server_with(OAuthLifetimes { provider_login: std::time::Duration::ZERO, ..OAuthLifetimes::default() }).await;
    let client = server.client();
    let started = client
        .post(
            "/external-api/v1/integrations/github/oauth/initiate",
            &json!({"callback_url": CALLBACK, "scopes": ["repo"]}),
        )
        .await;
    let state_token = started.expect(200).json()["state_token"].as_str().expect("a state token").to_owned();
    let late = client
        .post("/external-api/v1/integrations/github/oauth/complete", &json!({"code": "c", "state_token": state_token}))
        .await;
    assert_eq!(late.expect(400).code(), "invalid_state");
    assert!(server.mock.requests().is_empty(), "the provider is never asked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_without_an_oauth_app_say_so() {
    let server = TestServer::start("provider-oauth-off").await;
    let answer = server
        .client()
        .post("/external-api/v1/integrations/github/oauth/initiate", &json!({"callback_url": CALLBACK}))
        .await;
    assert_eq!(answer.expect(501).code(), "oauth_not_configured", "not implemented here, as the reference says");
    let unknown = server
        .client()
        .post("/external-api/v1/integrations/nope/oauth/initiate", &json!({"callback_url": CALLBACK}))
        .await;
    assert_eq!(unknown.expect(404).code(), "provider_not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_refresh_an_expired_token_once() {
    let server = server().await;
    let meta = block_core::credentials::CredentialsMeta {
        id: "gh-expired".to_owned(),
        provider: "github".to_owned(),
        kind: block_core::credentials::CredentialsType::OAuth2,
        title: Some("GitHub (octocat)".to_owned()),
    };
    let expired = block_core::credentials::OAuth2Credentials {
        meta,
        access_token: "gho_stale".into(),
        access_token_expires_at: Some(0),
        refresh_token: Some("ghr_stale".into()),
        refresh_token_expires_at: None,
        scopes: vec!["repo".to_owned()],
        username: Some("octocat".to_owned()),
    };
    server.state.credentials().put(&server.user_id, StoredCredentials::OAuth2(expired)).await.expect("stored");
    // One refresh answer only: a second refresh would find nothing to match.
    server.mock.push(
        Exchange::post(TOKEN_URL)
            .body_matches(|body| form_field(body, "refresh_token").as_deref() == Some("ghr_stale"))
            .respond_json(200, json!({"access_token": "gho_fresh", "expires_in": 28800, "refresh_token": "ghr_fresh"})),
    );
    let issues = "https://api.github.com/repos/octocat/hello-world/issues?state=open&per_page=100";
    for _ in 0..2 {
        server
            .mock
            .push(Exchange::get(issues).header("authorization", "Bearer gho_fresh").respond_json(200, json!([])));
    }
    let body = json!({"repo": "octocat/hello-world",
                      "credentials": {"id": "gh-expired", "provider": "github", "type": "oauth2"}});
    let path = format!("/external-api/v1/blocks/{LIST_ISSUES}/execute");
    let (one, two) = (server.client(), server.client());
    let (first, second) = tokio::join!(one.post(&path, &body), two.post(&path, &body));
    first.expect(200);
    second.expect(200);
    server.mock.verify().expect("one refresh, two API calls");
    let stored = server.state.credentials().get(&server.user_id, "gh-expired").await.expect("store").expect("kept");
    let StoredCredentials::OAuth2(tokens) = stored else { panic!("OAuth credentials") };
    assert_eq!(tokens.access_token.expose_secret(), "gho_fresh");
}
