//! Connecting an OAuth provider from the console: the provider's consent page,
//! then the callback completing the connection; deleting revokes the tokens.

use std::sync::Arc;

use block_core::http::{Exchange, HttpPolicy, MockTransport, Url};
use block_core::oauth::{OAuthApp, OAuthHandlers, StandardOAuth2};
use serde_json::json;

use crate::support::{Console, value_of};

const AUTHORIZE_URL: &str = "http://127.0.0.1:9/login/oauth/authorize";
const TOKEN_URL: &str = "http://127.0.0.1:9/login/oauth/access_token";
const REVOKE_URL: &str = "http://127.0.0.1:9/login/oauth/revoke";

async fn console(mock: Arc<MockTransport>) -> Console {
    let app = OAuthApp { provider: "github", client_id: "local-app".into(), client_secret: "local-secret".into() };
    let standard = StandardOAuth2::new(app, AUTHORIZE_URL, TOKEN_URL, Some(REVOKE_URL)).expect("valid URLs");
    let oauth = OAuthHandlers::new().with("github", Arc::new(standard));
    let policy = HttpPolicy::default().trusted_origin("http://127.0.0.1:9").expect("an origin");
    Console::start_custom(
        "oauth",
        |settings| settings,
        move |builder| builder.oauth(oauth).transport(mock).http_policy(policy),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_a_provider_through_its_consent_page_and_revokes_on_delete() {
    let mock = Arc::new(MockTransport::new([]));
    let console = console(mock.clone()).await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let page = browser.get("/credentials?provider=github").await.body;
    assert!(page.contains("action=\"/credentials/github/connect\""), "{page}");

    let started = browser.post("/credentials/github/connect", &[("csrf", &csrf)]).await;
    assert_eq!(started.status, 303);
    let login = Url::parse(started.location.as_deref().expect("to the provider")).expect("a URL");
    assert!(login.as_str().starts_with(AUTHORIZE_URL), "{login}");
    let param = |name: &str| login.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned());
    let callback = format!("{}/credentials/github/callback", console.url);
    assert_eq!(param("redirect_uri").as_deref(), Some(callback.as_str()));
    let state = param("state").expect("a state");

    mock.push(Exchange::post(TOKEN_URL).respond_json(
        200,
        json!({"access_token": "gho_console", "token_type": "bearer", "expires_in": 28800,
               "refresh_token": "ghr_console", "scope": "repo"}),
    ));
    let back = browser.get(&format!("/credentials/github/callback?code=provider-code&state={state}")).await;
    assert_eq!(back.status, 303, "{}", back.body);
    let list = browser.get(back.location.as_deref().expect("to the list")).await.body;
    assert!(list.contains("Added “GitHub account”."), "{list}");
    assert!(!list.contains("gho_console") && !list.contains("ghr_console"), "tokens are never shown");

    let replay = browser.get(&format!("/credentials/github/callback?code=provider-code&state={state}")).await;
    assert_eq!(replay.status, 400, "a state works once");
    let denied =
        browser.get("/credentials/github/callback?error=access_denied&error_description=the+user+said+no").await;
    assert_eq!(denied.status, 400);
    assert!(denied.body.contains("did not connect the account: the user said no"), "{}", denied.body);

    mock.push(Exchange::post(REVOKE_URL).respond_json(200, json!({})));
    let delete = value_of(&list, "action=\"/credentials/github/").expect("a delete form");
    let deleted = browser.post(&format!("/credentials/github/{delete}"), &[("csrf", &csrf)]).await;
    let after = browser.get(deleted.location.as_deref().expect("back")).await.body;
    assert!(after.contains("the provider revoked them"), "{after}");
}

#[tokio::test]
async fn a_provider_without_an_oauth_app_is_explained() {
    let console = Console::start("no-oauth-app").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let answer = browser.post("/credentials/github/connect", &[("csrf", &csrf)]).await;
    assert_eq!(answer.status, 501);
    assert!(answer.body.contains("has no OAuth app configured on this server"), "{}", answer.body);
}
