//! `LinearClient`: Linear's GraphQL API at `https://api.linear.app/graphql`, over
//! the run's `ctx.http()`.
//!
//! A personal API key goes in `Authorization` as it is, an OAuth token as
//! `Bearer`, both through the sensitive builder methods so that they are erased
//! from every HTTP error. Every call is a `POST` of `{query, variables}`; the
//! answer's `errors` become a [`LinearError`] by their `extensions.type` (and
//! `code`), its `data` is returned.

use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

use block_core::credentials::StoredCredentials;
use block_core::http::{HeaderMap, HttpClient};
use block_core::prelude::*;

use super::error::LinearError;

/// How a request authenticates.
#[derive(Clone, Copy)]
enum Auth<'a> {
    /// A personal API key, sent as `Authorization: <key>`.
    ApiKey(&'a SecretString),
    /// An OAuth access token, sent as `Authorization: Bearer <token>`.
    Bearer(&'a SecretString),
}

/// Calls Linear's GraphQL API with one user's key or token.
///
/// ```no_run
/// # use block_core::prelude::*;
/// # use block_core::credentials::StoredCredentials;
/// # use block_providers::linear::{LinearClient, LinearError};
/// # async fn demo(ctx: &RunContext, credentials: &StoredCredentials) -> Result<(), LinearError> {
/// let linear = LinearClient::from_credentials(ctx.http(), credentials)?;
/// let data = linear.query("query { viewer { id name } }", json!({}), "the viewer").await?;
/// # let _ = data; Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct LinearClient<'a> {
    http: &'a HttpClient,
    auth: Auth<'a>,
}

impl<'a> LinearClient<'a> {
    /// The one endpoint.
    pub const API_URL: &'static str = "https://api.linear.app/graphql";

    /// A client for stored credentials: a personal API key or an OAuth login.
    pub fn from_credentials(http: &'a HttpClient, credentials: &'a StoredCredentials) -> Result<Self, LinearError> {
        let auth = match credentials {
            StoredCredentials::ApiKey(key) => Auth::ApiKey(&key.api_key),
            StoredCredentials::OAuth2(oauth) => Auth::Bearer(&oauth.access_token),
            other => return Err(LinearError::UnsupportedCredentials(other.kind())),
        };
        Ok(LinearClient { http, auth })
    }

    /// Runs `query` with `variables`; the answer's `data`. `target` names what the
    /// query is about ("team `ENG`") for a "not found" error.
    pub async fn query(&self, query: &str, variables: Value, target: &str) -> Result<Value, LinearError> {
        let request = self.http.post(Self::API_URL).json(&json!({"query": query, "variables": variables}));
        let request = match self.auth {
            Auth::ApiKey(key) => request.sensitive_header("authorization", key),
            Auth::Bearer(token) => request.bearer_auth(token),
        };
        let response = request.send().await.map_err(LinearError::Request)?;
        let status = response.status();
        let body: Value = match response.json() {
            Ok(body) => body,
            Err(_) if status.as_u16() == 429 => {
                return Err(LinearError::RateLimited { until: reset_time(response.headers()) });
            }
            Err(_) if !status.is_success() => return Err(LinearError::Status(status)),
            Err(error) => return Err(LinearError::Decode(error.to_string())),
        };
        if let Some(errors) = body["errors"].as_array().filter(|errors| !errors.is_empty()) {
            return Err(classify(errors, status.as_u16(), response.headers(), target));
        }
        match body.get("data") {
            Some(data) if data.is_object() => Ok(data.clone()),
            _ if !status.is_success() => Err(LinearError::Status(status)),
            _ => Err(LinearError::Decode("the answer has no `data`".into())),
        }
    }
}

/// The error for Linear's `errors`, by the first one's type or code.
fn classify(errors: &[Value], status: u16, headers: &HeaderMap, target: &str) -> LinearError {
    let first = &errors[0];
    let message = errors
        .iter()
        .map(|error| {
            let extensions = &error["extensions"];
            extensions["userPresentableMessage"].as_str().or_else(|| error["message"].as_str()).unwrap_or("no message")
        })
        .collect::<Vec<_>>()
        .join("; ");
    // Linear spells types several ways ("authentication error", "AUTHENTICATION_ERROR").
    let normalize = |text: &str| -> String {
        text.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
    };
    let kind = normalize(first["extensions"]["type"].as_str().unwrap_or_default());
    let code = normalize(first["extensions"]["code"].as_str().unwrap_or_default());
    let not_found = first["message"].as_str().is_some_and(|m| m.to_ascii_lowercase().contains("not found"));
    if status == 429 || kind == "ratelimited" || code == "ratelimited" {
        LinearError::RateLimited { until: reset_time(headers) }
    } else if status == 401 || kind == "authenticationerror" || code == "authenticationerror" {
        LinearError::Unauthorized { message }
    } else if kind == "forbidden" || code == "forbidden" || kind == "featurenotaccessible" {
        LinearError::Forbidden { message }
    } else if not_found || code == "entitynotfound" {
        LinearError::NotFound { target: target.to_owned(), message }
    } else if kind == "invalidinput" || code == "invalidinput" {
        LinearError::InvalidInput { message }
    } else {
        LinearError::Graphql { message }
    }
}

/// When the request limit resets: `X-RateLimit-Requests-Reset` is a Unix time in
/// milliseconds.
fn reset_time(headers: &HeaderMap) -> String {
    let reset = headers
        .get("x-ratelimit-requests-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match reset {
        Some(millis) => httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_millis(millis)),
        None => "the limit resets".to_owned(),
    }
}

impl fmt::Debug for LinearClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinearClient").field("url", &Self::API_URL).finish_non_exhaustive()
    }
}
