//! Notion's OAuth 2 for public integrations. It differs from RFC 6749 where
//! [`StandardOAuth2`](block_core::oauth::StandardOAuth2) cannot follow: the token
//! endpoint takes the app's id and secret as HTTP Basic and a JSON body, the
//! consent page wants `owner=user`, and there are no scopes (access is what the
//! user shares). Refresh tokens rotate on every refresh.
//!
//! Documentation: <https://developers.notion.com/docs/authorization>,
//! <https://developers.notion.com/reference/create-a-token>,
//! <https://developers.notion.com/reference/refresh-a-token>,
//! <https://developers.notion.com/reference/revoke-token>.

use std::sync::Arc;

use block_core::credentials::OAuth2Credentials;
use block_core::http::{HttpClient, Url};
use block_core::oauth::{OAuthApp, OAuthError, OAuthHandler, Pkce, TokenSet};
use block_core::prelude::*;

use super::client::NotionClient;

/// Notion's consent page.
pub const AUTHORIZE_URL: &str = "https://api.notion.com/v1/oauth/authorize";
/// Notion's token endpoint (code exchange and refresh).
pub const TOKEN_URL: &str = "https://api.notion.com/v1/oauth/token";
/// Notion's revocation endpoint.
pub const REVOKE_URL: &str = "https://api.notion.com/v1/oauth/revoke";

/// The handler `#[provider(oauth2(handler = ...))]` names.
pub fn notion_oauth_handler(app: OAuthApp) -> Arc<dyn OAuthHandler> {
    Arc::new(NotionOAuth { app })
}

/// Notion's OAuth 2 client side.
#[derive(Debug, Clone)]
pub struct NotionOAuth {
    app: OAuthApp,
}

impl NotionOAuth {
    /// A handler for the public integration `app`.
    pub fn new(app: OAuthApp) -> Self {
        NotionOAuth { app }
    }

    /// `POST` of `body` to `url` with the app as HTTP Basic; the JSON answer, or
    /// the OAuth error Notion gave. `secrets` are erased from any error.
    async fn post(
        &self,
        http: &HttpClient,
        url: &str,
        body: &Value,
        secrets: &[&SecretString],
    ) -> Result<Value, OAuthError> {
        let mut request = http
            .post(url)
            .basic_auth(&self.app.client_id, Some(&self.app.client_secret))
            .header("notion-version", NotionClient::API_VERSION)
            .json(body);
        for secret in secrets {
            request = request.redact(secret);
        }
        let response = request.send().await?;
        let answer: Value = response.json().unwrap_or(Value::Null);
        if !response.status().is_success() {
            // Notion answers token errors as `{"error": ...}` or as its usual
            // `{"object": "error", "code": ..., "message": ...}`.
            let error = answer["error"].as_str().or_else(|| answer["code"].as_str());
            return Err(match error {
                Some(error) => OAuthError::Provider {
                    error: error.to_owned(),
                    description: answer["error_description"]
                        .as_str()
                        .or_else(|| answer["message"].as_str())
                        .map(str::to_owned),
                },
                None => OAuthError::Malformed(format!("status {} without an OAuth error", response.status())),
            });
        }
        Ok(answer)
    }
}

/// Reads Notion's token answer.
fn tokens(answer: &Value) -> Result<TokenSet, OAuthError> {
    let access_token = answer["access_token"]
        .as_str()
        .filter(|token| !token.is_empty())
        .ok_or_else(|| OAuthError::Malformed("no `access_token`".into()))?;
    Ok(TokenSet {
        access_token: access_token.into(),
        refresh_token: answer["refresh_token"].as_str().filter(|t| !t.is_empty()).map(Into::into),
        expires_in: answer["expires_in"].as_i64(),
        refresh_token_expires_in: None,
        // Notion has no scopes: access is what the user shared with the integration.
        scopes: Some(Vec::new()),
    })
}

#[block_core::async_trait]
impl OAuthHandler for NotionOAuth {
    /// Notion's consent page. It does not take PKCE, so the challenge is left
    /// out; the state still protects the callback.
    fn authorize_url(
        &self,
        redirect_uri: &str,
        _scopes: &[String],
        state: &str,
        _pkce: &Pkce,
    ) -> Result<Url, OAuthError> {
        let mut url = Url::parse(AUTHORIZE_URL).map_err(|e| OAuthError::Url(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.app.client_id)
            .append_pair("response_type", "code")
            .append_pair("owner", "user")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state);
        Ok(url)
    }

    async fn exchange_code(
        &self,
        http: &HttpClient,
        code: &str,
        redirect_uri: &str,
        _pkce: &Pkce,
    ) -> Result<TokenSet, OAuthError> {
        let body = json!({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri});
        let code = SecretString::from(code.to_owned());
        tokens(&self.post(http, TOKEN_URL, &body, &[&code]).await?)
    }

    async fn refresh(&self, http: &HttpClient, credentials: &OAuth2Credentials) -> Result<TokenSet, OAuthError> {
        let refresh_token = credentials.refresh_token.as_ref().ok_or(OAuthError::NoRefreshToken)?;
        let body = json!({"grant_type": "refresh_token", "refresh_token": refresh_token.expose_secret()});
        tokens(&self.post(http, TOKEN_URL, &body, &[refresh_token]).await?)
    }

    async fn revoke(&self, http: &HttpClient, credentials: &OAuth2Credentials) -> Result<bool, OAuthError> {
        let token = &credentials.access_token;
        self.post(http, REVOKE_URL, &json!({"token": token.expose_secret()}), &[token]).await?;
        Ok(true)
    }

    /// The workspace's name, from the bot user (`GET /v1/users/me`).
    async fn username(&self, http: &HttpClient, access_token: &SecretString) -> Result<Option<String>, OAuthError> {
        let me = NotionClient::new(http, access_token)
            .send(block_core::http::Method::GET, "/users/me", None, "bot user")
            .await
            .map_err(|error| OAuthError::Malformed(format!("reading the Notion workspace: {error}")))?;
        Ok(me["bot"]["workspace_name"].as_str().map(str::to_owned))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use block_core::credentials::{CredentialsMeta, CredentialsType};
    use block_core::http::{Exchange, HttpPolicy, MockTransport};

    use super::*;

    // base64("notion-app:app-secret-canary")
    const BASIC: &str = "Basic bm90aW9uLWFwcDphcHAtc2VjcmV0LWNhbmFyeQ==";

    fn handler() -> NotionOAuth {
        NotionOAuth::new(OAuthApp {
            provider: "notion",
            client_id: "notion-app".into(),
            client_secret: "app-secret-canary".into(),
        })
    }

    fn http(exchanges: impl IntoIterator<Item = Exchange>) -> (HttpClient, Arc<MockTransport>) {
        let mock = Arc::new(MockTransport::new(exchanges));
        (HttpClient::new(HttpPolicy::default(), mock.clone()), mock)
    }

    fn credentials() -> OAuth2Credentials {
        OAuth2Credentials {
            meta: CredentialsMeta {
                id: "n".into(),
                provider: "notion".into(),
                kind: CredentialsType::OAuth2,
                title: None,
            },
            access_token: "ntn_access-canary".into(),
            access_token_expires_at: None,
            refresh_token: Some("ntn_refresh-old".into()),
            refresh_token_expires_at: None,
            scopes: vec![],
            username: None,
        }
    }

    #[test]
    fn the_login_url_asks_a_user_owned_grant_with_state() {
        let url = handler().authorize_url("https://blocks.test/cb", &[], "st4te", &Pkce::new()).expect("valid");
        assert!(url.as_str().starts_with("https://api.notion.com/v1/oauth/authorize?"), "{url}");
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |name: &str| query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(get("client_id"), Some("notion-app"));
        assert_eq!(get("owner"), Some("user"));
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("state"), Some("st4te"));
        assert_eq!(get("redirect_uri"), Some("https://blocks.test/cb"));
    }

    #[tokio::test]
    async fn exchanges_a_code_with_basic_client_auth_and_a_json_body() {
        let (http, mock) = http([Exchange::post(TOKEN_URL)
            .header("authorization", BASIC)
            .header("content-type", "application/json")
            .json_body(
                json!({"grant_type": "authorization_code", "code": "c0de", "redirect_uri": "https://blocks.test/cb"}),
            )
            .respond_json(
                200,
                json!({
                    "access_token": "ntn_new", "token_type": "bearer", "refresh_token": "ntn_refresh",
                    "bot_id": "b3414d65-1224-4b1d-8ffe-cc9d8773d601", "workspace_name": "Ada's Workspace",
                    "workspace_icon": null, "workspace_id": "j565j4d7-2882-41b5-964a-1a9d9f0c36f7",
                    "owner": {"type": "user", "user": {"object": "user", "id": "u1"}}, "duplicated_template_id": null,
                    "request_id": "0f5e6a0e-8c0c-4f4f-9d3a-3f1d9d1e2a11",
                }),
            )]);
        let tokens =
            handler().exchange_code(&http, "c0de", "https://blocks.test/cb", &Pkce::new()).await.expect("exchanged");
        assert_eq!(tokens.access_token.expose_secret(), "ntn_new");
        assert_eq!(tokens.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()).as_deref(), Some("ntn_refresh"));
        assert!(mock.unused_exchanges().is_empty());
    }

    #[tokio::test]
    async fn refreshes_and_takes_the_rotated_refresh_token() {
        let (http, _mock) = http([Exchange::post(TOKEN_URL)
            .header("authorization", BASIC)
            .json_body(json!({"grant_type": "refresh_token", "refresh_token": "ntn_refresh-old"}))
            .respond_json(
                200,
                json!({"access_token": "ntn_next", "token_type": "bearer", "refresh_token": "ntn_refresh-new"}),
            )]);
        let old = credentials();
        let refreshed = handler().refresh(&http, &old).await.expect("refreshed").refreshed(&old);
        assert_eq!(refreshed.access_token.expose_secret(), "ntn_next");
        assert_eq!(refreshed.refresh_token.map(|t| t.expose_secret().to_owned()).as_deref(), Some("ntn_refresh-new"));
    }

    #[tokio::test]
    async fn a_refused_code_is_an_oauth_error_without_secrets() {
        let (http, _mock) = http([Exchange::post(TOKEN_URL).respond_json(
            400,
            json!({"object": "error", "status": 400, "code": "invalid_grant", "message": "Invalid code: c0de-canary."}),
        )]);
        let error = handler()
            .exchange_code(&http, "c0de-canary", "https://blocks.test/cb", &Pkce::new())
            .await
            .expect_err("refused");
        let text = error.to_string();
        assert!(text.contains("invalid_grant"), "{text}");
        assert!(!text.contains("app-secret-canary"), "{text}");
    }

    #[tokio::test]
    async fn revokes_the_access_token_and_names_the_workspace() {
        let (http, mock) = http([
            Exchange::post(REVOKE_URL).header("authorization", BASIC).json_body(json!({"token": "ntn_access-canary"})).respond_json(200, json!({})),
            Exchange::get("https://api.notion.com/v1/users/me")
                .header("authorization", "Bearer ntn_access-canary")
                .header("notion-version", NotionClient::API_VERSION)
                .respond_json(200, json!({"object": "user", "id": "b1", "type": "bot", "bot": {"owner": {"type": "workspace", "workspace": true}, "workspace_name": "Ada's Workspace"}})),
        ]);
        assert!(handler().revoke(&http, &credentials()).await.expect("revoked"));
        let name = handler().username(&http, &credentials().access_token).await.expect("read");
        assert_eq!(name.as_deref(), Some("Ada's Workspace"));
        assert!(mock.unused_exchanges().is_empty());
    }
}
