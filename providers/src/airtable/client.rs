//! `AirtableClient`: one table's records at `https://api.airtable.com/v0`, over the
//! run's `ctx.http()`.

use std::fmt;

use block_core::http::{HttpClient, Method, Url};
use block_core::prelude::*;

use super::error::AirtableError;

/// Calls the Airtable API for one table with one token.
#[derive(Clone)]
pub struct AirtableClient<'a> {
    http: &'a HttpClient,
    token: &'a SecretString,
    table_url: Url,
    what: String,
}

impl<'a> AirtableClient<'a> {
    /// Where every endpoint lives.
    pub const API_BASE_URL: &'static str = "https://api.airtable.com/v0";

    /// A client for `table` (an id `tbl...` or a name) of base `base`.
    pub fn new(http: &'a HttpClient, token: &'a SecretString, base: &str, table: &str) -> Result<Self, BlockError> {
        let mut table_url = Url::parse(Self::API_BASE_URL).map_err(|e| BlockError::new(e.to_string()))?;
        table_url
            .path_segments_mut()
            .map_err(|()| BlockError::new("the API URL cannot take a path"))?
            .extend([base, table]);
        Ok(AirtableClient { http, token, table_url, what: format!("table `{table}` in base {base}") })
    }

    /// `method` on the table with `query` and an optional JSON `body`; the JSON answer.
    pub async fn send(
        &self,
        method: Method,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, AirtableError> {
        let mut request = self.http.request(method, self.table_url.as_str()).bearer_auth(self.token);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(AirtableError::Request)?;
        if !response.status().is_success() {
            return Err(AirtableError::from_response(&response, &self.what, self.token));
        }
        response.json().map_err(AirtableError::Decode)
    }
}

impl fmt::Debug for AirtableClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AirtableClient").field("table", &self.what).finish_non_exhaustive()
    }
}
