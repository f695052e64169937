//! `SlackClient`: Slack's Web API at `https://slack.com/api`, over the run's
//! `ctx.http()`.
//!
//! The token goes in `Authorization: Bearer`, through
//! [`RequestBuilder::bearer_auth`](block_core::http::RequestBuilder::bearer_auth),
//! so it is erased from every HTTP error. Read methods are `GET`s with their
//! arguments in the query; write methods `POST` JSON (`application/json;
//! charset=utf-8`, as Slack asks). Slack reports failures in the body
//! (`"ok": false`) and rate limits with `429` and `Retry-After`.

use std::fmt;

use block_core::credentials::StoredCredentials;
use block_core::http::{HttpClient, RequestBuilder, Response};
use block_core::prelude::*;

use super::error::SlackError;

/// The token Slack accepts from `credentials`: a bot token (stored as an API key)
/// or an OAuth access token.
pub fn slack_token(credentials: &StoredCredentials) -> Result<&SecretString, SlackError> {
    match credentials {
        StoredCredentials::ApiKey(key) => Ok(&key.api_key),
        StoredCredentials::OAuth2(oauth) => Ok(&oauth.access_token),
        other => Err(SlackError::UnsupportedCredentials(other.kind())),
    }
}

/// Calls Slack's Web API with one token.
///
/// ```no_run
/// # use block_core::prelude::*;
/// # use block_providers::slack::{SlackClient, SlackError};
/// # async fn demo(ctx: &RunContext, token: &SecretString) -> Result<(), SlackError> {
/// let slack = SlackClient::new(ctx.http(), token);
/// let user = slack.get("users.info", &[("user", "U0123")], "user `U0123`").await?;
/// # let _ = user; Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct SlackClient<'a> {
    http: &'a HttpClient,
    token: &'a SecretString,
}

impl<'a> SlackClient<'a> {
    /// Where every method lives.
    pub const API_BASE_URL: &'static str = "https://slack.com/api";

    /// A client sending requests through `http` (the run's `ctx.http()`) with `token`.
    pub fn new(http: &'a HttpClient, token: &'a SecretString) -> Self {
        SlackClient { http, token }
    }

    /// A client for stored credentials of either kind Slack takes.
    pub fn from_credentials(http: &'a HttpClient, credentials: &'a StoredCredentials) -> Result<Self, SlackError> {
        Ok(Self::new(http, slack_token(credentials)?))
    }

    /// `GET {method}?{query}`: the answer of a read method. `target` names what
    /// the call is about ("channel `C0123`") for a "not found" error.
    pub async fn get(&self, method: &str, query: &[(&str, &str)], target: &str) -> Result<Value, SlackError> {
        let request = self.http.get(format!("{}/{method}", Self::API_BASE_URL)).bearer_auth(self.token).query(query);
        self.send(request, method, target).await
    }

    /// `POST {method}` with `body` as JSON: the answer of a write method.
    pub async fn post(&self, method: &str, body: &Value, target: &str) -> Result<Value, SlackError> {
        let request = self
            .http
            .post(format!("{}/{method}", Self::API_BASE_URL))
            .bearer_auth(self.token)
            .header("content-type", "application/json; charset=utf-8")
            .json(body);
        self.send(request, method, target).await
    }

    async fn send(&self, request: RequestBuilder, method: &str, target: &str) -> Result<Value, SlackError> {
        let response = request.send().await.map_err(SlackError::Request)?;
        let status = response.status();
        if status.as_u16() == 429 {
            return Err(SlackError::RateLimited { method: method.to_owned(), until: retry_after(&response) });
        }
        let body: Value = match response.json() {
            Ok(body) => body,
            Err(_) if !status.is_success() => return Err(SlackError::Status { method: method.to_owned(), status }),
            Err(error) => return Err(SlackError::Decode { method: method.to_owned(), reason: error.to_string() }),
        };
        if body.get("ok").and_then(Value::as_bool) == Some(true) {
            Ok(body)
        } else {
            Err(SlackError::from_answer(method, target, &body))
        }
    }
}

/// How long a `429` asks to wait, from its `Retry-After` (seconds).
fn retry_after(response: &Response) -> String {
    match response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok())
    {
        Some(seconds) => format!("{seconds} seconds from now"),
        None => "the limit resets".to_owned(),
    }
}

impl fmt::Debug for SlackClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackClient").field("base_url", &Self::API_BASE_URL).finish_non_exhaustive()
    }
}
