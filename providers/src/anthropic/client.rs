//! `AnthropicClient`: the API at `https://api.anthropic.com/v1`, over the run's
//! `ctx.http()`, with the key in `x-api-key` and the pinned `anthropic-version`.

use std::fmt;

use block_core::http::HttpClient;
use block_core::prelude::*;

use super::error::AnthropicError;

/// Calls the Anthropic API with one API key.
#[derive(Clone, Copy)]
pub struct AnthropicClient<'a> {
    http: &'a HttpClient,
    key: &'a SecretString,
}

impl<'a> AnthropicClient<'a> {
    /// Where every endpoint lives.
    pub const API_BASE_URL: &'static str = "https://api.anthropic.com/v1";
    /// The API version every request asks for.
    pub const API_VERSION: &'static str = "2023-06-01";

    /// A client sending requests through `http` (the run's `ctx.http()`) with `key`.
    pub fn new(http: &'a HttpClient, key: &'a SecretString) -> Self {
        AnthropicClient { http, key }
    }

    /// `POST {path}` with `body` as JSON; the JSON answer, or the error the status
    /// means.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, AnthropicError> {
        let response = self
            .http
            .post(format!("{}{path}", Self::API_BASE_URL))
            .sensitive_header("x-api-key", self.key)
            .header("anthropic-version", Self::API_VERSION)
            .json(body)
            .send()
            .await
            .map_err(AnthropicError::Request)?;
        if !response.status().is_success() {
            return Err(AnthropicError::from_response(&response, path, self.key));
        }
        response.json().map_err(AnthropicError::Decode)
    }
}

impl fmt::Debug for AnthropicClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnthropicClient").field("base_url", &Self::API_BASE_URL).finish_non_exhaustive()
    }
}
