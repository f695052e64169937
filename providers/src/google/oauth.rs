//! Google's OAuth 2: the standard authorization code flow with PKCE at Google's
//! endpoints, asking for offline access so that a refresh token is issued, and
//! for consent each time so that Google issues it again on reconnecting.
//!
//! Documentation: <https://developers.google.com/identity/protocols/oauth2/web-server>
//! (`access_type=offline`, `prompt=consent`, `include_granted_scopes`, token and
//! revocation endpoints).

use std::sync::Arc;

use block_core::credentials::OAuth2Credentials;
use block_core::http::{HttpClient, Url};
use block_core::oauth::{OAuthApp, OAuthError, OAuthHandler, Pkce, StandardOAuth2, TokenSet};
use block_core::prelude::*;

/// Google's consent page.
pub const AUTHORIZE_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint (code exchange and refresh).
pub const TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Google's revocation endpoint.
pub const REVOKE_URL: &str = "https://oauth2.googleapis.com/revoke";
/// Where the account's e-mail address is read (with the `email` scope).
pub const USERINFO_URL: &str = "https://openidconnect.googleapis.com/v1/userinfo";

/// The handler `#[provider(oauth2(handler = ...))]` names.
pub fn google_oauth_handler(app: OAuthApp) -> Arc<dyn OAuthHandler> {
    Arc::new(GoogleOAuth::new(app))
}

/// Google's OAuth 2 client side.
#[derive(Debug, Clone)]
pub struct GoogleOAuth {
    standard: StandardOAuth2,
}

impl GoogleOAuth {
    /// A handler for the OAuth client `app`.
    pub fn new(app: OAuthApp) -> Self {
        let standard = StandardOAuth2::new(app, AUTHORIZE_URL, TOKEN_URL, Some(REVOKE_URL))
            .expect("Google's OAuth endpoints are constant, valid URLs");
        GoogleOAuth { standard }
    }
}

#[block_core::async_trait]
impl OAuthHandler for GoogleOAuth {
    fn authorize_url(
        &self,
        redirect_uri: &str,
        scopes: &[String],
        state: &str,
        pkce: &Pkce,
    ) -> Result<Url, OAuthError> {
        let mut url = self.standard.authorize_url(redirect_uri, scopes, state, pkce)?;
        // Without `offline` Google issues no refresh token; without `consent` it
        // issues one only the first time an account grants the app.
        url.query_pairs_mut()
            .append_pair("access_type", "offline")
            .append_pair("prompt", "consent")
            .append_pair("include_granted_scopes", "true");
        Ok(url)
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

    async fn revoke(&self, http: &HttpClient, credentials: &OAuth2Credentials) -> Result<bool, OAuthError> {
        self.standard.revoke(http, credentials).await
    }

    /// The account's e-mail address, when the login granted `email`; nothing
    /// otherwise (Gmail and Sheets scopes alone cannot read it).
    async fn username(&self, http: &HttpClient, access_token: &SecretString) -> Result<Option<String>, OAuthError> {
        let response = http.get(USERINFO_URL).bearer_auth(access_token).send().await?;
        if !response.status().is_success() {
            return Ok(None);
        }
        let info: Value = response.json().unwrap_or(Value::Null);
        Ok(info["email"].as_str().map(str::to_owned))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use block_core::http::{Exchange, HttpPolicy, MockTransport};

    use super::*;

    fn handler() -> GoogleOAuth {
        GoogleOAuth::new(OAuthApp {
            provider: "google",
            client_id: "123.apps.googleusercontent.com".into(),
            client_secret: "GOCSPX-canary".into(),
        })
    }

    #[test]
    fn the_login_url_asks_for_offline_access_and_consent_with_pkce() {
        let scopes = ["https://www.googleapis.com/auth/gmail.send".to_owned()];
        let url = handler().authorize_url("https://blocks.test/cb", &scopes, "st4te", &Pkce::new()).expect("valid");
        assert!(url.as_str().starts_with(AUTHORIZE_URL), "{url}");
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |name: &str| query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(get("access_type"), Some("offline"));
        assert_eq!(get("prompt"), Some("consent"));
        assert_eq!(get("scope"), Some("https://www.googleapis.com/auth/gmail.send"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("state"), Some("st4te"));
    }

    #[tokio::test]
    async fn refreshes_at_googles_token_endpoint_and_keeps_the_refresh_token() {
        let mock = Arc::new(MockTransport::new([Exchange::post(TOKEN_URL)
            .body_matches(|body| {
                let body = String::from_utf8_lossy(body);
                body.contains("grant_type=refresh_token") && body.contains("refresh_token=1%2F%2Fold")
            })
            .respond_json(
                200,
                json!({"access_token": "ya29.new", "expires_in": 3599, "token_type": "Bearer",
                                      "scope": "https://www.googleapis.com/auth/gmail.send"}),
            )]));
        let http = HttpClient::new(HttpPolicy::default(), mock);
        let old = OAuth2Credentials {
            meta: block_core::credentials::CredentialsMeta {
                id: "g".into(),
                provider: "google".into(),
                kind: block_core::credentials::CredentialsType::OAuth2,
                title: None,
            },
            access_token: "ya29.old".into(),
            access_token_expires_at: Some(0),
            refresh_token: Some("1//old".into()),
            refresh_token_expires_at: None,
            scopes: vec!["https://www.googleapis.com/auth/gmail.send".into()],
            username: Some("ada@example.com".into()),
        };
        let refreshed = handler().refresh(&http, &old).await.expect("refreshed").refreshed(&old);
        assert_eq!(refreshed.access_token.expose_secret(), "ya29.new");
        assert_eq!(
            refreshed.refresh_token.map(|t| t.expose_secret().to_owned()).as_deref(),
            Some("1//old"),
            "Google does not rotate it"
        );
        assert!(refreshed.access_token_expires_at.is_some_and(|at| at > 0));
    }
}
