//! The RFC 6749 authorization code flow with PKCE, at a provider's endpoints.

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use super::{OAuthApp, OAuthError, OAuthHandler, Pkce, TokenSet};
use crate::credentials::OAuth2Credentials;
use crate::http::HttpClient;

/// A handler for providers that follow RFC 6749 (and RFC 7009 for revocation):
/// form-encoded token requests with the client secret in the body, JSON answers.
#[derive(Debug, Clone)]
pub struct StandardOAuth2 {
    app: OAuthApp,
    authorize_url: Url,
    token_url: Url,
    revoke_url: Option<Url>,
    scope_separator: &'static str,
}

impl StandardOAuth2 {
    /// A handler for `app` at these endpoints.
    pub fn new(
        app: OAuthApp,
        authorize_url: &str,
        token_url: &str,
        revoke_url: Option<&str>,
    ) -> Result<Self, OAuthError> {
        let parse = |url: &str| Url::parse(url).map_err(|e| OAuthError::Url(format!("{url}: {e}")));
        Ok(StandardOAuth2 {
            app,
            authorize_url: parse(authorize_url)?,
            token_url: parse(token_url)?,
            revoke_url: revoke_url.map(parse).transpose()?,
            scope_separator: " ",
        })
    }

    /// Joins scopes with `separator` in the login URL (some providers use `,`).
    pub fn scope_separator(mut self, separator: &'static str) -> Self {
        self.scope_separator = separator;
        self
    }

    async fn token_request(
        &self,
        http: &HttpClient,
        pairs: &[(&str, &str)],
        secrets: &[&SecretString],
    ) -> Result<TokenSet, OAuthError> {
        let mut fields = pairs.to_vec();
        fields.push(("client_id", &self.app.client_id));
        fields.push(("client_secret", self.app.client_secret.expose_secret()));
        let body = form(&fields);
        let mut request = http
            .post(self.token_url.as_str())
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .redact(&self.app.client_secret)
            .body(body);
        for secret in secrets {
            request = request.redact(secret);
        }
        let response = request.send().await?;
        let status = response.status();
        let unavailable = || OAuthError::Unavailable {
            status: status.as_u16(),
            retry_after: crate::http::retry_after(response.headers(), std::time::SystemTime::now()),
        };
        // A provider that is down or overloaded often answers with an HTML page:
        // its status says more than its body.
        if status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
            return Err(unavailable());
        }
        let body: Value = serde_json::from_slice(&response.bytes())
            .map_err(|e| OAuthError::Malformed(format!("status {status}, not JSON: {e}")))?;
        if let Some(error) = body["error"].as_str() {
            // RFC 6749 section 4.1.2.1: the two codes that mean "not now" rather than "no".
            if matches!(error, "server_error" | "temporarily_unavailable") {
                return Err(unavailable());
            }
            return Err(OAuthError::Provider {
                error: error.to_owned(),
                description: body["error_description"].as_str().map(str::to_owned),
            });
        }
        if !status.is_success() {
            return Err(OAuthError::Malformed(format!("status {status} without an OAuth error")));
        }
        parse_tokens(&body)
    }
}

/// `application/x-www-form-urlencoded` of `pairs` (built outside any `await`: the
/// serializer is not `Send`).
fn form(pairs: &[(&str, &str)]) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(pairs.iter().copied());
    form.finish()
}

/// Reads a token response; numbers may come as strings, scopes space- or
/// comma-separated.
pub(crate) fn parse_tokens(body: &Value) -> Result<TokenSet, OAuthError> {
    let access_token = body["access_token"]
        .as_str()
        .filter(|token| !token.is_empty())
        .ok_or_else(|| OAuthError::Malformed("no `access_token`".into()))?;
    let seconds = |value: &Value| value.as_i64().or_else(|| value.as_str().and_then(|s| s.parse().ok()));
    let scopes = body["scope"]
        .as_str()
        .map(|scope| scope.split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_owned).collect::<Vec<_>>());
    Ok(TokenSet {
        access_token: access_token.into(),
        refresh_token: body["refresh_token"].as_str().filter(|t| !t.is_empty()).map(Into::into),
        expires_in: seconds(&body["expires_in"]),
        refresh_token_expires_in: seconds(&body["refresh_token_expires_in"]),
        scopes,
    })
}

#[async_trait::async_trait]
impl OAuthHandler for StandardOAuth2 {
    fn authorize_url(
        &self,
        redirect_uri: &str,
        scopes: &[String],
        state: &str,
        pkce: &Pkce,
    ) -> Result<Url, OAuthError> {
        let mut url = self.authorize_url.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.app.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &scopes.join(self.scope_separator))
            .append_pair("state", state)
            .append_pair("code_challenge", pkce.challenge())
            .append_pair("code_challenge_method", "S256");
        Ok(url)
    }

    async fn exchange_code(
        &self,
        http: &HttpClient,
        code: &str,
        redirect_uri: &str,
        pkce: &Pkce,
    ) -> Result<TokenSet, OAuthError> {
        let pairs = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", pkce.verifier().expose_secret()),
        ];
        self.token_request(http, &pairs, &[pkce.verifier()]).await
    }

    async fn refresh(&self, http: &HttpClient, credentials: &OAuth2Credentials) -> Result<TokenSet, OAuthError> {
        let refresh_token = credentials.refresh_token.as_ref().ok_or(OAuthError::NoRefreshToken)?;
        let pairs = [("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose_secret())];
        self.token_request(http, &pairs, &[refresh_token]).await
    }

    async fn revoke(&self, http: &HttpClient, credentials: &OAuth2Credentials) -> Result<bool, OAuthError> {
        let Some(revoke_url) = &self.revoke_url else { return Ok(false) };
        let (token, hint) = match &credentials.refresh_token {
            Some(refresh) => (refresh, "refresh_token"),
            None => (&credentials.access_token, "access_token"),
        };
        let body = form(&[
            ("token", token.expose_secret()),
            ("token_type_hint", hint),
            ("client_id", &self.app.client_id),
            ("client_secret", self.app.client_secret.expose_secret()),
        ]);
        http.post(revoke_url.as_str())
            .header("content-type", "application/x-www-form-urlencoded")
            .redact(token)
            .redact(&self.app.client_secret)
            .body(body)
            .send()
            .await?
            .error_for_status()?;
        Ok(true)
    }
}
