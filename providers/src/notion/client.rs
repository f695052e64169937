//! `NotionClient`: the API at `https://api.notion.com/v1`, over the run's
//! `ctx.http()`, with the token as bearer credential and the pinned
//! `Notion-Version`.

use std::fmt;

use block_core::credentials::StoredCredentials;
use block_core::http::{HttpClient, Method};
use block_core::prelude::*;

use super::error::NotionError;

/// The token Notion accepts from `credentials`: an internal integration token
/// (stored as an API key) or an OAuth access token.
pub fn bearer_token(credentials: &StoredCredentials) -> Result<&SecretString, NotionError> {
    match credentials {
        StoredCredentials::ApiKey(key) => Ok(&key.api_key),
        StoredCredentials::OAuth2(oauth) => Ok(&oauth.access_token),
        other => Err(NotionError::UnsupportedCredentials(other.kind())),
    }
}

/// Calls the Notion API with one token.
#[derive(Clone, Copy)]
pub struct NotionClient<'a> {
    http: &'a HttpClient,
    token: &'a SecretString,
}

impl<'a> NotionClient<'a> {
    /// Where every endpoint lives.
    pub const API_BASE_URL: &'static str = "https://api.notion.com/v1";
    /// The API version every request asks for (`Notion-Version`).
    pub const API_VERSION: &'static str = "2022-06-28";

    /// A client sending through `http` (the run's `ctx.http()`) with `token`.
    pub fn new(http: &'a HttpClient, token: &'a SecretString) -> Self {
        NotionClient { http, token }
    }

    /// A client for stored credentials of either kind Notion takes.
    pub fn from_credentials(http: &'a HttpClient, credentials: &'a StoredCredentials) -> Result<Self, NotionError> {
        Ok(Self::new(http, bearer_token(credentials)?))
    }

    /// `method {path}` with an optional JSON `body`; the JSON answer. `what` names
    /// the object in a 404.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value, NotionError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", Self::API_BASE_URL))
            .bearer_auth(self.token)
            .header("notion-version", Self::API_VERSION);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(NotionError::Request)?;
        if !response.status().is_success() {
            return Err(NotionError::from_response(&response, what, self.token));
        }
        response.json().map_err(NotionError::Decode)
    }
}

impl fmt::Debug for NotionClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotionClient").field("version", &Self::API_VERSION).finish_non_exhaustive()
    }
}
