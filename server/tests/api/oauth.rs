//! The OAuth 2 authorization server, driven like a third-party application would:
//! authorize (consent page, PKCE S256), token, API call with the bearer token,
//! refresh rotation, revocation, introspection, and every refusal on the way.

use std::time::Duration;

use block_server::domain::OAuthClient;
use block_server::domain::Scope;
use block_server::domain::secrets::{self, s256};
use block_server::{OAuthLifetimes, Settings};
use serde_json::Value;

use crate::support::{Answer, Client, Options, TestServer};

const REDIRECT: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "a-verifier-of-the-client-long-enough-for-rfc-7636-0123456789";

/// A registered client, a signed-in browser (its session cookie) and the
/// suite's client, which never follows redirects.
struct App {
    server: TestServer,
    http: Client,
    client_id: String,
    secret: Option<String>,
    cookie: String,
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

impl App {
    async fn start(name: &str, lifetimes: OAuthLifetimes, public: bool) -> App {
        let settings = Settings { rate_limit_per_minute: 0, oauth: lifetimes, ..Settings::default() };
        let server = TestServer::start_with(name, Options { settings, ..Options::default() }).await;
        let secret = (!public).then(|| "bcs_the-client-secret".to_owned());
        let client_id = format!("bci_{name}");
        server
            .storage()
            .create_oauth_client(OAuthClient {
                id: client_id.clone(),
                name: "Test <App>".to_owned(),
                secret_hash: secret.as_deref().map(secrets::hash),
                redirect_uris: vec![REDIRECT.to_owned()],
                scopes: vec![Scope::Identity, Scope::ReadBlock, Scope::ExecuteBlock],
                disabled: false,
                created_at: 0,
            })
            .await
            .expect("the client is stored");
        let http = server.client().with_key(None);
        let link = block_server::services::accounts::create_login_link(
            server.storage().as_ref(),
            &server.user_id,
            &server.url,
            Duration::from_secs(600),
        )
        .await
        .expect("a link");
        let link = link.strip_prefix(&server.url).expect("a link to this server").to_owned();
        let signed_in = http.get(&link).await;
        signed_in.expect(200);
        let cookie =
            signed_in.header("set-cookie").and_then(|v| v.split(';').next()).expect("a session cookie").to_owned();
        assert!(cookie.starts_with("blocks_session=bss_"), "{cookie}");
        assert_eq!(http.get(&link).await.status, 401, "links are single use");
        App { server, http, client_id, secret, cookie }
    }

    fn authorize_params<'a>(&'a self, scope: &'a str, challenge: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("response_type", "code"),
            ("client_id", &self.client_id),
            ("redirect_uri", REDIRECT),
            ("scope", scope),
            ("state", "xyz-state"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ]
    }

    async fn get_authorize(&self, params: &[(&str, &str)]) -> Answer {
        let path = format!("/oauth/authorize?{}", form(params));
        self.http.send("GET", &path, None, &[("cookie", &self.cookie)]).await
    }

    async fn post_form(&self, path: &str, pairs: &[(&str, &str)], cookie: bool) -> Answer {
        let headers: &[(&str, &str)] = if cookie { &[("cookie", &self.cookie)] } else { &[] };
        self.http.post_form(path, pairs, headers).await
    }

    /// Shows the consent page, approves it, returns the code.
    async fn code(&self, scope: &str) -> String {
        let challenge = s256(VERIFIER);
        let params = self.authorize_params(scope, &challenge);
        let page = self.get_authorize(&params).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("Test &lt;App&gt;"), "the client's name, escaped: {}", page.text);
        assert_eq!(page.header("x-frame-options"), Some("DENY"), "the consent page cannot be framed");
        let csrf =
            page.text.split("name=\"csrf\" value=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("csrf");
        let mut pairs = params.clone();
        pairs.extend([("csrf", csrf), ("decision", "allow")]);
        let approved = self.post_form("/oauth/authorize", &pairs, true).await;
        assert_eq!(approved.status, 302, "{}", approved.text);
        assert!(approved.header("location").is_some_and(|l| l.starts_with(REDIRECT)));
        assert_eq!(approved.redirect_param("state").as_deref(), Some("xyz-state"));
        approved.redirect_param("code").expect("a code")
    }

    fn with_client<'a>(&'a self, mut pairs: Vec<(&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
        pairs.push(("client_id", &self.client_id));
        if let Some(secret) = &self.secret {
            pairs.push(("client_secret", secret));
        }
        pairs
    }

    async fn exchange(&self, code: &str, verifier: &str) -> Answer {
        let pairs = self.with_client(vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ]);
        self.post_form("/oauth/token", &pairs, false).await
    }

    async fn refresh(&self, refresh_token: &str) -> Answer {
        let pairs = self.with_client(vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token)]);
        self.post_form("/oauth/token", &pairs, false).await
    }

    async fn introspect(&self, token: &str) -> Value {
        let answer = self.post_form("/oauth/introspect", &self.with_client(vec![("token", token)]), false).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json()
    }

    async fn revoke(&self, token: &str) {
        let answer = self.post_form("/oauth/revoke", &self.with_client(vec![("token", token)]), false).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }

    async fn tokens(&self) -> (String, String) {
        let code = self.code("IDENTITY READ_BLOCK").await;
        let answer = self.exchange(&code, VERIFIER).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let body = answer.json();
        (
            body["access_token"].as_str().expect("access").to_owned(),
            body["refresh_token"].as_str().expect("refresh").to_owned(),
        )
    }

    async fn api(&self, path: &str, token: &str) -> u16 {
        self.http.send("GET", path, None, &[("authorization", &format!("Bearer {token}"))]).await.status
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_pkce_flow_ends_in_an_api_call_with_the_tokens_scopes() {
    let app = App::start("full-flow", OAuthLifetimes::default(), false).await;
    let metadata = app.http.get("/.well-known/oauth-authorization-server").await.expect(200).json();
    assert_eq!(metadata["issuer"], app.server.url.as_str());
    assert_eq!(metadata["code_challenge_methods_supported"], serde_json::json!(["S256"]));

    let code = app.code("IDENTITY READ_BLOCK").await;
    assert!(code.starts_with("bac_"));
    let answer = app.exchange(&code, VERIFIER).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "IDENTITY READ_BLOCK");
    let access = body["access_token"].as_str().expect("access");
    assert!(access.starts_with("bat_") && body["refresh_token"].as_str().is_some_and(|t| t.starts_with("brt_")));

    assert_eq!(app.api("/external-api/v1/me", access).await, 200);
    assert_eq!(app.api("/external-api/v1/blocks", access).await, 200);
    assert_eq!(app.api("/external-api/v1/integrations/credentials", access).await, 403, "not granted");
    assert_eq!(app.api("/external-api/v1/me", "bat_forged").await, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_clients_rely_on_pkce_and_confidential_ones_must_authenticate() {
    let public = App::start("public-client", OAuthLifetimes::default(), true).await;
    let (access, _) = public.tokens().await;
    assert_eq!(public.api("/external-api/v1/me", &access).await, 200);

    let confidential = App::start("confidential-client", OAuthLifetimes::default(), false).await;
    let code = confidential.code("IDENTITY").await;
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
        ("client_id", confidential.client_id.as_str()),
    ];
    let refused = confidential.post_form("/oauth/token", &pairs, false).await;
    assert_eq!((refused.status, refused.json()["error"].as_str()), (401, Some("invalid_client")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_verifier_and_mismatched_redirect_are_invalid_grants() {
    let app = App::start("bad-verifier", OAuthLifetimes::default(), false).await;
    let code = app.code("IDENTITY").await;
    let wrong = app.exchange(&code, "another-verifier-that-is-long-enough-to-be-valid-0123456789").await;
    assert_eq!((wrong.status, wrong.json()["error"].as_str()), (400, Some("invalid_grant")));

    let code = app.code("IDENTITY").await;
    let pairs = app.with_client(vec![
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", "http://127.0.0.1:9/other"),
        ("code_verifier", VERIFIER),
    ]);
    let answer = app.post_form("/oauth/token", &pairs, false).await;
    assert_eq!((answer.status, answer.json()["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_refuses_plain_pkce_escalation_and_never_redirects_to_unknown_places() {
    let app = App::start("authorize-errors", OAuthLifetimes::default(), false).await;
    let challenge = s256(VERIFIER);

    let mut plain = app.authorize_params("IDENTITY", VERIFIER);
    plain.retain(|(name, _)| *name != "code_challenge_method");
    plain.push(("code_challenge_method", "plain"));
    let answer = app.get_authorize(&plain).await;
    assert_eq!(answer.status, 302);
    assert_eq!(answer.redirect_param("error").as_deref(), Some("invalid_request"));
    assert_eq!(answer.redirect_param("state").as_deref(), Some("xyz-state"));

    let mut missing = app.authorize_params("IDENTITY", &challenge);
    missing.retain(|(name, _)| !name.starts_with("code_challenge"));
    assert_eq!(app.get_authorize(&missing).await.redirect_param("error").as_deref(), Some("invalid_request"));

    let escalation = app.get_authorize(&app.authorize_params("IDENTITY MANAGE_INTEGRATIONS", &challenge)).await;
    assert_eq!(escalation.redirect_param("error").as_deref(), Some("invalid_scope"));

    let mut other_uri = app.authorize_params("IDENTITY", &challenge);
    other_uri.retain(|(name, _)| *name != "redirect_uri");
    other_uri.push(("redirect_uri", "http://127.0.0.1:9/callback/evil"));
    let answer = app.get_authorize(&other_uri).await;
    assert_eq!((answer.status, answer.header("location")), (400, None), "a bad redirect URI is never followed");

    let mut unknown = app.authorize_params("IDENTITY", &challenge);
    unknown.retain(|(name, _)| *name != "client_id");
    unknown.push(("client_id", "bci_nobody"));
    let answer = app.get_authorize(&unknown).await;
    assert_eq!((answer.status, answer.header("location")), (400, None), "an unknown client is never redirected");

    let path = format!("/oauth/authorize?{}", form(&app.authorize_params("IDENTITY", &challenge)));
    assert_eq!(app.http.get(&path).await.status, 401, "signing in comes first");

    let mut forged = app.authorize_params("IDENTITY", &challenge);
    forged.extend([("csrf", "forged"), ("decision", "allow")]);
    assert_eq!(app.post_form("/oauth/authorize", &forged, true).await.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_codes_are_refused() {
    let lifetimes = OAuthLifetimes { code: Duration::ZERO, ..OAuthLifetimes::default() };
    let app = App::start("expired-code", lifetimes, false).await;
    let code = app.code("IDENTITY").await;
    let answer = app.exchange(&code, VERIFIER).await;
    assert_eq!((answer.status, answer.json()["error"].as_str()), (400, Some("invalid_grant")));
    assert!(answer.text.contains("expired"), "{}", answer.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_code_is_refused_and_revokes_every_token_issued_from_it() {
    let app = App::start("reused-code", OAuthLifetimes::default(), false).await;
    let code = app.code("IDENTITY").await;
    let first = app.exchange(&code, VERIFIER).await.json();
    let access = first["access_token"].as_str().expect("access");
    let refresh = first["refresh_token"].as_str().expect("refresh");
    assert_eq!(app.api("/external-api/v1/me", access).await, 200);

    let replay = app.exchange(&code, VERIFIER).await;
    assert_eq!((replay.status, replay.json()["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(app.api("/external-api/v1/me", access).await, 401, "the cascade reached the access token");
    assert_eq!(app.refresh(refresh).await.status, 400, "and the refresh token");
    assert_eq!(app.introspect(access).await["active"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_rotate_and_a_replay_revokes_the_family() {
    let app = App::start("refresh-rotation", OAuthLifetimes::default(), false).await;
    let (access, refresh) = app.tokens().await;
    let rotated = app.refresh(&refresh).await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let rotated = rotated.json();
    let new_access = rotated["access_token"].as_str().expect("access");
    let new_refresh = rotated["refresh_token"].as_str().expect("refresh");
    assert_ne!(new_refresh, refresh);
    assert_eq!(app.api("/external-api/v1/me", new_access).await, 200);

    let narrowed = app.with_client(vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", new_refresh),
        ("scope", "IDENTITY EXECUTE_BLOCK"),
    ]);
    let escalation = app.post_form("/oauth/token", &narrowed, false).await;
    assert_eq!(escalation.json()["error"], "invalid_scope", "refresh cannot widen the grant");

    let replay = app.refresh(&refresh).await;
    assert_eq!((replay.status, replay.json()["error"].as_str()), (400, Some("invalid_grant")));
    for token in [access.as_str(), new_access] {
        assert_eq!(app.api("/external-api/v1/me", token).await, 401, "the family is revoked");
    }
    assert_eq!(app.refresh(new_refresh).await.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_takes_effect_at_once_and_always_answers_200() {
    let app = App::start("revocation", OAuthLifetimes::default(), false).await;
    let (access, refresh) = app.tokens().await;
    assert_eq!(app.api("/external-api/v1/me", &access).await, 200);
    app.revoke(&access).await;
    assert_eq!(app.api("/external-api/v1/me", &access).await, 401);
    app.revoke("bat_never-issued").await;
    app.revoke(&refresh).await;
    assert_eq!(app.refresh(&refresh).await.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_tells_live_from_expired_and_revoked_tokens() {
    let app = App::start("introspection", OAuthLifetimes::default(), false).await;
    let (access, refresh) = app.tokens().await;
    let live = app.introspect(&access).await;
    assert_eq!(live["active"], true);
    assert_eq!(live["scope"], "IDENTITY READ_BLOCK");
    assert_eq!(live["client_id"], app.client_id.as_str());
    assert_eq!(live["sub"], app.server.user_id.as_str());
    assert_eq!(live["token_type"], "Bearer", "an access token is a bearer token (RFC 7662, 2.2)");
    assert_eq!(app.introspect(&refresh).await["token_type"], "refresh_token");
    app.revoke(&access).await;
    assert_eq!(app.introspect(&access).await, serde_json::json!({"active": false}));
    assert_eq!(app.introspect("bat_unknown").await["active"], false);

    let anonymous = app.post_form("/oauth/introspect", &[("token", refresh.as_str())], false).await;
    assert_eq!(anonymous.status, 401, "introspection is for authenticated clients");

    let expiring = OAuthLifetimes { access: Duration::ZERO, ..OAuthLifetimes::default() };
    let app = App::start("introspection-expired", expiring, false).await;
    let (access, _) = app.tokens().await;
    assert_eq!(app.introspect(&access).await["active"], false);
    assert_eq!(app.api("/external-api/v1/me", &access).await, 401, "expired tokens open nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_client_stops_its_tokens() {
    let app = App::start("disabled-client", OAuthLifetimes::default(), false).await;
    let (access, _) = app.tokens().await;
    assert!(app.server.storage().disable_oauth_client(&app.client_id).await.expect("storage"));
    assert_eq!(app.api("/external-api/v1/me", &access).await, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parameter_given_twice_gets_an_error_page_not_a_redirect() {
    let app = App::start("repeated-parameter", OAuthLifetimes::default(), false).await;
    let challenge = s256(VERIFIER);
    let mut twice = app.authorize_params("IDENTITY", &challenge);
    twice.push(("redirect_uri", "http://127.0.0.1:9/elsewhere"));
    for path in [format!("/oauth/authorize?{}", form(&twice)), "/oauth/login?token=bll_a&token=bll_b".to_owned()] {
        let answer = app.http.send("GET", &path, None, &[("cookie", &app.cookie)]).await;
        assert_eq!((answer.status, answer.header("location")), (400, None), "{path}: {}", answer.text);
        let content_type = answer.header("content-type");
        assert!(content_type.is_some_and(|value| value.starts_with("text/html")), "{path}: an HTML page");
        assert!(answer.text.contains("duplicate field"), "{path}: says why: {}", answer.text);
        assert_eq!(answer.header("x-frame-options"), Some("DENY"));
    }
}
