//! `GithubClient`: the REST API at `https://api.github.com`, over the run's
//! `ctx.http()`.
//!
//! Every request carries GitHub's media type, API version and a `User-Agent`
//! (GitHub refuses requests without one), and the token as a bearer credential,
//! handed to [`RequestBuilder::bearer_auth`] so that it is marked sensitive and
//! erased from every HTTP error. Error statuses become a [`GithubError`]; lists
//! are read page by page through the `Link` header, up to a cap.

use std::fmt;

use block_core::credentials::StoredCredentials;
use block_core::http::{HttpClient, Method, RequestBuilder, Response, Url};
use block_core::prelude::*;

use super::error::GithubError;
use super::pagination::{checked_next, next_link};

/// The token GitHub accepts from `credentials`: a personal access token (stored
/// as an API key) or an OAuth access token.
pub fn bearer_token(credentials: &StoredCredentials) -> Result<&SecretString, GithubError> {
    match credentials {
        StoredCredentials::ApiKey(key) => Ok(&key.api_key),
        StoredCredentials::OAuth2(oauth) => Ok(&oauth.access_token),
        other => Err(GithubError::UnsupportedCredentials(other.kind())),
    }
}

/// Calls the GitHub REST API with one user's token.
///
/// ```no_run
/// # use block_core::prelude::*;
/// # use block_providers::github::{GithubClient, GithubError};
/// # async fn demo(ctx: &RunContext, token: &SecretString) -> Result<(), GithubError> {
/// let client = GithubClient::new(ctx.http(), token);
/// let issues = client.get_pages("/repos/octocat/hello-world/issues", &[("state", "open")]).await?;
/// # let _ = issues; Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct GithubClient<'a> {
    http: &'a HttpClient,
    token: &'a SecretString,
    max_pages: usize,
}

impl<'a> GithubClient<'a> {
    /// Where every endpoint lives.
    pub const API_BASE_URL: &'static str = "https://api.github.com";
    /// The REST API version the requests ask for.
    pub const API_VERSION: &'static str = "2022-11-28";
    /// The `User-Agent` sent; GitHub rejects requests without one.
    pub const USER_AGENT: &'static str = "blocks-github-integration";
    /// Items asked for per page (GitHub's maximum).
    pub const PER_PAGE: &'static str = "100";
    /// Pages read at most by [`get_pages`](Self::get_pages) unless told otherwise.
    pub const DEFAULT_MAX_PAGES: usize = 10;

    /// A client sending requests through `http` (the run's `ctx.http()`) with `token`.
    pub fn new(http: &'a HttpClient, token: &'a SecretString) -> Self {
        GithubClient { http, token, max_pages: Self::DEFAULT_MAX_PAGES }
    }

    /// A client for stored credentials of either kind GitHub takes.
    pub fn from_credentials(http: &'a HttpClient, credentials: &'a StoredCredentials) -> Result<Self, GithubError> {
        Ok(Self::new(http, bearer_token(credentials)?))
    }

    /// Reads at most `max_pages` pages (at least one) in [`get_pages`](Self::get_pages).
    pub fn max_pages(mut self, max_pages: usize) -> Self {
        self.max_pages = max_pages.max(1);
        self
    }

    /// A request with GitHub's headers and the token.
    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        self.http
            .request(method, url)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", Self::API_VERSION)
            .header("user-agent", Self::USER_AGENT)
            .bearer_auth(self.token)
    }

    /// Sends `request` (for `path`, named in errors) and turns error statuses into
    /// a [`GithubError`].
    async fn send(&self, request: RequestBuilder, path: &str) -> Result<Response, GithubError> {
        let response = request.send().await.map_err(GithubError::Request)?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(GithubError::from_response(&response, path, self.token))
        }
    }

    /// `GET {path}` with `query`; the JSON answer.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, GithubError> {
        let mut request = self.request(Method::GET, &format!("{}{path}", Self::API_BASE_URL));
        if !query.is_empty() {
            request = request.query(query);
        }
        self.send(request, path).await?.json().map_err(GithubError::Decode)
    }

    /// `GET {path}` with `query` and `per_page=100`, following `rel="next"` links
    /// on `https://api.github.com` only; the items of every page, in order. Stops
    /// after the page cap ([`max_pages`](Self::max_pages)), so a huge list yields
    /// its first pages rather than running on.
    pub async fn get_pages(&self, path: &str, query: &[(&str, &str)]) -> Result<Vec<Value>, GithubError> {
        let mut query = query.to_vec();
        query.push(("per_page", Self::PER_PAGE));
        let mut request = self.request(Method::GET, &format!("{}{path}", Self::API_BASE_URL)).query(&query);
        let mut items = Vec::new();
        for page in 1..=self.max_pages {
            let response = self.send(request, path).await?;
            match response.json::<Value>().map_err(GithubError::Decode)? {
                Value::Array(page_items) => items.extend(page_items),
                _ => return Err(GithubError::Decode(not_a_list(response.url()))),
            }
            let Some(next) = next_link(response.headers()) else { break };
            if page == self.max_pages {
                break;
            }
            request = self.request(Method::GET, checked_next(&next)?.as_str());
        }
        Ok(items)
    }

    /// `POST {path}` with `body` as JSON; the JSON answer.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, GithubError> {
        let request = self.request(Method::POST, &format!("{}{path}", Self::API_BASE_URL)).json(body);
        self.send(request, path).await?.json().map_err(GithubError::Decode)
    }

    /// Like [`post`](Self::post) for a body holding `secret` (a webhook secret):
    /// the secret is also erased from any error about the request.
    pub async fn post_with_secret(
        &self,
        path: &str,
        body: &Value,
        secret: &SecretString,
    ) -> Result<Value, GithubError> {
        let request = self.request(Method::POST, &format!("{}{path}", Self::API_BASE_URL)).redact(secret).json(body);
        self.send(request, path).await?.json().map_err(GithubError::Decode)
    }

    /// `DELETE {path}`.
    pub async fn delete(&self, path: &str) -> Result<(), GithubError> {
        let request = self.request(Method::DELETE, &format!("{}{path}", Self::API_BASE_URL));
        self.send(request, path).await.map(drop)
    }
}

/// The decode error for a page that is not a JSON array.
fn not_a_list(url: &Url) -> block_core::http::HttpError {
    block_core::http::HttpError::Decode {
        url: block_core::http::RedactedUrl::new(url),
        reason: "a page of a list is not a JSON array".into(),
    }
}

impl fmt::Debug for GithubClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GithubClient")
            .field("base_url", &Self::API_BASE_URL)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use block_core::credentials::{CredentialsType, test_credentials};
    use block_core::http::{Exchange, HttpPolicy, MockTransport};

    use super::*;

    fn http(exchanges: impl IntoIterator<Item = Exchange>) -> (HttpClient, Arc<MockTransport>) {
        let mock = Arc::new(MockTransport::new(exchanges));
        (HttpClient::new(HttpPolicy::default(), mock.clone()), mock)
    }

    fn page(number: u32, next: Option<u32>) -> Exchange {
        let url = if number == 1 {
            "https://api.github.com/repos/o/r/issues?per_page=100".to_owned()
        } else {
            format!("https://api.github.com/repositories/1/issues?per_page=100&page={number}")
        };
        let exchange =
            Exchange::get(&url).header("authorization", "Bearer t0ken-canary").respond_json(200, json!([number]));
        match next {
            Some(next) => exchange.response_header(
                "link",
                &format!("<https://api.github.com/repositories/1/issues?per_page=100&page={next}>; rel=\"next\""),
            ),
            None => exchange,
        }
    }

    #[tokio::test]
    async fn reads_every_page_until_there_is_no_next_link() {
        let (http, mock) = http([page(1, Some(2)), page(2, Some(3)), page(3, None)]);
        let token = SecretString::from("t0ken-canary");
        let items = GithubClient::new(&http, &token).get_pages("/repos/o/r/issues", &[]).await.expect("read");
        assert_eq!(items, [json!(1), json!(2), json!(3)]);
        assert!(mock.unused_exchanges().is_empty());
    }

    #[tokio::test]
    async fn stops_at_the_page_cap() {
        let (http, mock) = http([page(1, Some(2)), page(2, Some(3))]);
        let token = SecretString::from("t0ken-canary");
        let client = GithubClient::new(&http, &token).max_pages(2);
        let items = client.get_pages("/repos/o/r/issues", &[]).await.expect("read");
        assert_eq!(items, [json!(1), json!(2)], "the third page is never asked for");
        assert!(mock.unmatched_requests().is_empty());
    }

    #[tokio::test]
    async fn a_page_that_is_not_a_list_is_reported() {
        let (http, _mock) = http([Exchange::get("https://api.github.com/repos/o/r/issues?per_page=100")
            .respond_json(200, json!({"message": "not a list"}))]);
        let token = SecretString::from("t0ken-canary");
        let error = GithubClient::new(&http, &token).get_pages("/repos/o/r/issues", &[]).await.expect_err("object");
        assert!(matches!(error, GithubError::Decode(_)), "{error}");
    }

    #[tokio::test]
    async fn errors_never_show_the_token_even_when_github_echoes_it() {
        let (http, _mock) = http([Exchange::get("https://api.github.com/user")
            .respond_json(401, json!({"message": "Bad credentials: t0ken-canary"}))]);
        let token = SecretString::from("t0ken-canary");
        let error = GithubClient::new(&http, &token).get("/user", &[]).await.expect_err("401");
        let text = format!("{error} {error:?}");
        assert!(text.contains("401: Bad credentials: [redacted]"), "{text}");
        assert!(!text.contains("t0ken-canary"), "{text}");
    }

    #[test]
    fn takes_a_token_from_an_api_key_or_an_oauth_login_only() {
        let key = test_credentials("github", CredentialsType::ApiKey);
        assert_eq!(bearer_token(&key).expect("api key").expose_secret(), "mock-github-api-key");
        let oauth = test_credentials("github", CredentialsType::OAuth2);
        assert_eq!(bearer_token(&oauth).expect("oauth").expose_secret(), "mock-github-access-token");
        let password = test_credentials("github", CredentialsType::UserPassword);
        let error = bearer_token(&password).expect_err("user/password");
        assert!(error.to_string().contains("these credentials are user_password"), "{error}");
    }
}
