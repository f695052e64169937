//! `ExampleClient`: the Example API's one endpoint, over the run's `ctx.http()`.
//!
//! The client never sees the credential store and never formats the key: it hands
//! the key to [`RequestBuilder::bearer_auth`](block_core::http::RequestBuilder::bearer_auth),
//! which marks it sensitive and erases it from every HTTP error, and it erases the
//! key from anything the API says back before putting that into an error.

use std::error::Error;
use std::fmt;

use block_core::http::{HttpClient, HttpError, StatusCode};
use block_core::prelude::*;

/// Calls the Example API with one user's API key.
///
/// ```no_run
/// # use block_core::prelude::*;
/// # use block_examples::example::ExampleClient;
/// # async fn demo(ctx: &RunContext, key: &SecretString) -> Result<(), BlockError> {
/// let client = ExampleClient::new(ctx.http(), key);
/// let created = client.create_resource(&json!({"name": "Hello, Ada!", "type": "greeting"})).await?;
/// # let _ = created; Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct ExampleClient<'a> {
    http: &'a HttpClient,
    api_key: &'a SecretString,
}

impl<'a> ExampleClient<'a> {
    /// Where every endpoint lives.
    pub const API_BASE_URL: &'static str = "https://api.example.com/v1";

    /// A client sending requests through `http` (the run's `ctx.http()`), signed
    /// with `api_key`.
    pub fn new(http: &'a HttpClient, api_key: &'a SecretString) -> Self {
        ExampleClient { http, api_key }
    }

    /// `POST /resources` with `data` as JSON; returns the created resource as the
    /// API describes it (`{}` when a 2xx answer has no body).
    pub async fn create_resource(&self, data: &Value) -> Result<Value, ExampleApiError> {
        let response = self
            .http
            .post(format!("{}/resources", Self::API_BASE_URL))
            .bearer_auth(self.api_key)
            .header("content-type", "application/json")
            .json(data)
            .send()
            .await
            .map_err(ExampleApiError::Request)?;
        if !response.status().is_success() {
            return Err(ExampleApiError::Status {
                status: response.status(),
                message: self.api_message(response.json().ok()),
            });
        }
        if response.bytes().iter().all(u8::is_ascii_whitespace) {
            return Ok(json!({}));
        }
        response.json().map_err(ExampleApiError::Decode)
    }

    /// The `message` field of an error body, if the body is a JSON object with one,
    /// with the key erased in case the API echoes it.
    fn api_message(&self, body: Option<Value>) -> Option<String> {
        let message = match body?.get("message")? {
            Value::String(text) => text.clone(),
            Value::Null => return None,
            other => other.to_string(),
        };
        let key = self.api_key.expose_secret();
        Some(if key.is_empty() { message } else { message.replace(key, "[redacted]") })
    }
}

impl fmt::Debug for ExampleClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExampleClient").field("base_url", &Self::API_BASE_URL).finish_non_exhaustive()
    }
}

/// Why a call to the Example API failed. Its text never contains the API key.
#[derive(Debug)]
#[non_exhaustive]
pub enum ExampleApiError {
    /// The request did not get an answer (connection, time-out, blocked address).
    Request(HttpError),
    /// The API answered with a status other than 2xx.
    Status {
        /// The status.
        status: StatusCode,
        /// The `message` field of the API's error body, when it has one.
        message: Option<String>,
    },
    /// A 2xx answer whose body is not JSON.
    Decode(HttpError),
}

impl fmt::Display for ExampleApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExampleApiError::Request(_) => f.write_str("the Example API could not be reached"),
            ExampleApiError::Status { status, message: Some(message) } => {
                write!(f, "the Example API answered {status}: {message}")
            }
            ExampleApiError::Status { status, message: None } => {
                write!(f, "the Example API answered {status} without a message")
            }
            ExampleApiError::Decode(_) => f.write_str("the Example API sent a response that is not JSON"),
        }
    }
}

impl Error for ExampleApiError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ExampleApiError::Request(error) | ExampleApiError::Decode(error) => Some(error),
            ExampleApiError::Status { .. } => None,
        }
    }
}
