//! GitHub's OAuth 2: the standard authorization code flow at GitHub's endpoints,
//! GitHub's own revocation endpoint, and the account's login as user name.
//!
//! The token endpoint answers JSON when asked with `Accept: application/json`
//! and reports errors with status 200 and an `error` field; [`StandardOAuth2`]
//! handles both, and reads the comma-separated `scope`. Tokens of OAuth apps do
//! not expire; user tokens of GitHub Apps do (`expires_in`) and come with a
//! refresh token that rotates on every refresh, which `refresh` passes on.

use std::sync::Arc;

use block_core::credentials::OAuth2Credentials;
use block_core::http::{HttpClient, Url};
use block_core::oauth::{OAuthApp, OAuthError, OAuthHandler, Pkce, StandardOAuth2, TokenSet};
use block_core::prelude::*;

use super::client::GithubClient;
use super::error::GithubError;

/// GitHub's consent page.
pub const AUTHORIZE_URL: &str = "https://github.com/login/oauth/authorize";
/// GitHub's token endpoint (code exchange and refresh).
pub const TOKEN_URL: &str = "https://github.com/login/oauth/access_token";

/// The handler `#[provider(oauth2(handler = ...))]` names.
pub fn github_oauth_handler(app: OAuthApp) -> Arc<dyn OAuthHandler> {
    Arc::new(GithubOAuth::new(app))
}

/// GitHub's OAuth 2 client side.
#[derive(Debug, Clone)]
pub struct GithubOAuth {
    app: OAuthApp,
    standard: StandardOAuth2,
}

impl GithubOAuth {
    /// A handler for the OAuth app `app`.
    pub fn new(app: OAuthApp) -> Self {
        let standard = StandardOAuth2::new(app.clone(), AUTHORIZE_URL, TOKEN_URL, None)
            .expect("GitHub's OAuth endpoints are constant, valid URLs");
        GithubOAuth { app, standard }
    }

    /// `https://api.github.com/applications/{client_id}/grant`, the client id
    /// percent-encoded as one path segment.
    fn grant_url(&self) -> Result<Url, OAuthError> {
        let mut url = Url::parse(GithubClient::API_BASE_URL).map_err(|e| OAuthError::Url(e.to_string()))?;
        url.path_segments_mut().map_err(|()| OAuthError::Url("the API URL cannot have a path".into()))?.extend([
            "applications",
            self.app.client_id.as_str(),
            "grant",
        ]);
        Ok(url)
    }
}

#[block_core::async_trait]
impl OAuthHandler for GithubOAuth {
    fn authorize_url(
        &self,
        redirect_uri: &str,
        scopes: &[String],
        state: &str,
        pkce: &Pkce,
    ) -> Result<Url, OAuthError> {
        self.standard.authorize_url(redirect_uri, scopes, state, pkce)
    }

    async fn exchange_code(
        &self,
        http: &HttpClient,
        code: &str,
        redirect_uri: &str,
        pkce: &Pkce,
    ) -> Result<TokenSet, OAuthError> {
        self.standard.exchange_code(http, code, redirect_uri, pkce).await
    }

    async fn refresh(&self, http: &HttpClient, credentials: &OAuth2Credentials) -> Result<TokenSet, OAuthError> {
        self.standard.refresh(http, credentials).await
    }

    /// Deletes the app's grant for the user: `DELETE /applications/{client_id}/grant`
    /// with the app's id and secret as HTTP Basic and the token in the body. A
    /// grant GitHub no longer knows (404) is as good as revoked.
    async fn revoke(&self, http: &HttpClient, credentials: &OAuth2Credentials) -> Result<bool, OAuthError> {
        let url = self.grant_url()?;
        let token = &credentials.access_token;
        let response = http
            .delete(url.as_str())
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", GithubClient::API_VERSION)
            .header("user-agent", GithubClient::USER_AGENT)
            .basic_auth(&self.app.client_id, Some(&self.app.client_secret))
            .redact(token)
            .json(&json!({"access_token": token.expose_secret()}))
            .send()
            .await?;
        if response.status().as_u16() == 404 {
            return Ok(true);
        }
        response.error_for_status()?;
        Ok(true)
    }

    /// The account's `login`, from `GET /user`.
    async fn username(&self, http: &HttpClient, access_token: &SecretString) -> Result<Option<String>, OAuthError> {
        let user = GithubClient::new(http, access_token).get("/user", &[]).await.map_err(|error| match error {
            GithubError::Request(error) | GithubError::Decode(error) => OAuthError::Http(error),
            other => OAuthError::Malformed(format!("reading the GitHub account: {other}")),
        })?;
        Ok(user.get("login").and_then(Value::as_str).map(str::to_owned))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use block_core::credentials::{CredentialsMeta, CredentialsType};
    use block_core::http::{Exchange, HttpPolicy, MockTransport};

    use super::*;

    fn app() -> OAuthApp {
        OAuthApp { provider: "github", client_id: "Iv1.abc123".into(), client_secret: "app-secret-canary".into() }
    }

    fn client(exchanges: impl IntoIterator<Item = Exchange>) -> (HttpClient, Arc<MockTransport>) {
        let mock = Arc::new(MockTransport::new(exchanges));
        (HttpClient::new(HttpPolicy::default(), mock.clone()), mock)
    }

    fn credentials(refresh_token: Option<&str>) -> OAuth2Credentials {
        OAuth2Credentials {
            meta: CredentialsMeta {
                id: "c1".into(),
                provider: "github".into(),
                kind: CredentialsType::OAuth2,
                title: None,
            },
            access_token: "gho_access-canary".into(),
            access_token_expires_at: None,
            refresh_token: refresh_token.map(Into::into),
            refresh_token_expires_at: None,
            scopes: vec!["repo".into()],
            username: Some("octocat".into()),
        }
    }

    #[test]
    fn the_login_url_is_githubs_consent_page_with_state_and_pkce() {
        let url = GithubOAuth::new(app())
            .authorize_url("https://blocks.test/callback", &["repo".into(), "read:user".into()], "st4te", &Pkce::new())
            .expect("valid");
        assert!(url.as_str().starts_with("https://github.com/login/oauth/authorize?"), "{url}");
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |name: &str| query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(get("client_id"), Some("Iv1.abc123"));
        assert_eq!(get("scope"), Some("repo read:user"));
        assert_eq!(get("state"), Some("st4te"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
    }

    #[tokio::test]
    async fn exchanges_a_code_and_reads_comma_separated_scopes() {
        let (http, mock) = client([Exchange::post(TOKEN_URL)
            .header("accept", "application/json")
            .respond_json(200, json!({"access_token": "gho_new", "token_type": "bearer", "scope": "repo,read:user"}))]);
        let tokens = GithubOAuth::new(app())
            .exchange_code(&http, "the-code", "https://blocks.test/callback", &Pkce::new())
            .await
            .expect("exchanged");
        assert_eq!(tokens.access_token.expose_secret(), "gho_new");
        assert_eq!(tokens.scopes, Some(vec!["repo".to_owned(), "read:user".to_owned()]));
        assert_eq!(tokens.expires_in, None, "OAuth app tokens do not expire");
        assert!(mock.unused_exchanges().is_empty());
    }

    #[tokio::test]
    async fn a_refused_code_answered_with_status_200_is_an_oauth_error() {
        let (http, _mock) = client([Exchange::post(TOKEN_URL).respond_json(
            200,
            json!({"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."}),
        )]);
        let error = GithubOAuth::new(app())
            .exchange_code(&http, "stale", "https://blocks.test/callback", &Pkce::new())
            .await
            .expect_err("refused");
        assert!(error.to_string().contains("bad_verification_code"), "{error}");
    }

    #[tokio::test]
    async fn refreshes_github_app_user_tokens_and_takes_the_rotated_refresh_token() {
        let (http, _mock) = client([Exchange::post(TOKEN_URL)
            .body_matches(|body| {
                let body = String::from_utf8_lossy(body);
                body.contains("grant_type=refresh_token") && body.contains("refresh_token=ghr_old")
            })
            .respond_json(
                200,
                json!({"access_token": "ghu_new", "expires_in": 28800, "refresh_token": "ghr_new",
                       "refresh_token_expires_in": 15_897_600, "scope": "", "token_type": "bearer"}),
            )]);
        let old = credentials(Some("ghr_old"));
        let tokens = GithubOAuth::new(app()).refresh(&http, &old).await.expect("refreshed");
        let refreshed = tokens.refreshed(&old);
        assert_eq!(refreshed.access_token.expose_secret(), "ghu_new");
        assert_eq!(refreshed.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()).as_deref(), Some("ghr_new"));
        assert!(refreshed.access_token_expires_at.is_some());
    }

    #[tokio::test]
    async fn oauth_app_tokens_have_nothing_to_refresh() {
        let (http, _mock) = client([]);
        let error = GithubOAuth::new(app()).refresh(&http, &credentials(None)).await.expect_err("no refresh token");
        assert!(matches!(error, OAuthError::NoRefreshToken), "{error}");
    }

    #[tokio::test]
    async fn revokes_the_grant_with_the_app_as_basic_auth_and_the_token_in_the_body() {
        // base64("Iv1.abc123:app-secret-canary")
        let basic = "Basic SXYxLmFiYzEyMzphcHAtc2VjcmV0LWNhbmFyeQ==";
        let (http, mock) = client([Exchange::delete("https://api.github.com/applications/Iv1.abc123/grant")
            .header("authorization", basic)
            .header("accept", "application/vnd.github+json")
            .json_body(json!({"access_token": "gho_access-canary"}))
            .respond(204)]);
        assert!(GithubOAuth::new(app()).revoke(&http, &credentials(None)).await.expect("revoked"));
        assert!(mock.unused_exchanges().is_empty());
    }

    #[tokio::test]
    async fn a_grant_github_no_longer_knows_counts_as_revoked_but_other_failures_do_not() {
        let url = "https://api.github.com/applications/Iv1.abc123/grant";
        let (http, _mock) = client([Exchange::delete(url).respond(404)]);
        assert!(GithubOAuth::new(app()).revoke(&http, &credentials(None)).await.expect("gone is fine"));
        let (http, _mock) = client([Exchange::delete(url).respond_json(401, json!({"message": "Bad credentials"}))]);
        let error = GithubOAuth::new(app()).revoke(&http, &credentials(None)).await.expect_err("refused");
        let text = error.to_string();
        assert!(text.contains("401"), "{text}");
        assert!(!text.contains("app-secret-canary") && !text.contains("gho_access-canary"), "{text}");
    }

    #[tokio::test]
    async fn the_username_is_the_accounts_login() {
        let (http, _mock) = client([Exchange::get("https://api.github.com/user")
            .header("authorization", "Bearer gho_token")
            .header("user-agent", GithubClient::USER_AGENT)
            .respond_json(200, json!({"login": "octocat", "id": 1}))]);
        let token = SecretString::from("gho_token");
        let name = GithubOAuth::new(app()).username(&http, &token).await.expect("read");
        assert_eq!(name.as_deref(), Some("octocat"));
    }
}
