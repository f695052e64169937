//! `GoogleClient`: Gmail and Sheets REST calls over the run's `ctx.http()`, with the
//! OAuth access token as bearer credential.

use std::fmt;

use block_core::http::{HttpClient, Method, Url};
use block_core::prelude::*;

use super::error::GoogleError;

/// Calls Google's REST APIs with one user's access token.
#[derive(Clone, Copy)]
pub struct GoogleClient<'a> {
    http: &'a HttpClient,
    token: &'a SecretString,
}

impl<'a> GoogleClient<'a> {
    /// The Gmail API.
    pub const GMAIL: &'static str = "https://gmail.googleapis.com/gmail/v1";
    /// The Sheets API.
    pub const SHEETS: &'static str = "https://sheets.googleapis.com/v4";

    /// A client sending through `http` (the run's `ctx.http()`) with `token`.
    pub fn new(http: &'a HttpClient, token: &'a SecretString) -> Self {
        GoogleClient { http, token }
    }

    /// `method url` with `query` and an optional JSON `body`; the JSON answer.
    /// `what` names the resource in a 404.
    pub async fn send(
        &self,
        method: Method,
        url: &Url,
        query: &[(&str, &str)],
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value, GoogleError> {
        let mut request = self.http.request(method, url.as_str()).bearer_auth(self.token);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(GoogleError::Request)?;
        if !response.status().is_success() {
            return Err(GoogleError::from_response(&response, what, self.token));
        }
        response.json().map_err(GoogleError::Decode)
    }
}

/// `base` with `segments` appended, each percent-encoded as one path segment (a
/// sheet range such as `My Sheet!A1:B2` keeps its meaning).
pub(crate) fn api_url(base: &str, segments: &[&str]) -> Result<Url, BlockError> {
    let mut url = Url::parse(base).map_err(|error| BlockError::new(format!("bad API URL {base}: {error}")))?;
    url.path_segments_mut().map_err(|()| BlockError::new("the API URL cannot take a path"))?.extend(segments);
    Ok(url)
}

impl fmt::Debug for GoogleClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleClient").finish_non_exhaustive()
    }
}
