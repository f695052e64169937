//! `StripeClient`: Stripe's API at `https://api.stripe.com/v1`, over the run's
//! `ctx.http()`.
//!
//! The secret key goes as `Authorization: Bearer`, through
//! [`RequestBuilder::bearer_auth`](block_core::http::RequestBuilder::bearer_auth),
//! so it is erased from every HTTP error. Stripe takes form-encoded bodies, nested
//! parameters written with brackets (`metadata[order]=6735`,
//! `line_items[0][price]=price_...`); [`form`] writes them. The account's default
//! API version applies.

use std::fmt;

use block_core::http::{HttpClient, Response};
use block_core::prelude::*;

use super::error::StripeError;

/// `application/x-www-form-urlencoded` of `pairs`, in order.
///
/// ```
/// use block_providers::stripe::form;
/// let body = form(&[("email".into(), "ada@example.com".into()), ("metadata[plan]".into(), "gold".into())]);
/// assert_eq!(body, "email=ada%40example.com&metadata%5Bplan%5D=gold");
/// ```
pub fn form(pairs: &[(String, String)]) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(pairs.iter().map(|(name, value)| (name.as_str(), value.as_str())));
    form.finish()
}

/// Calls Stripe's API with one secret key.
#[derive(Clone, Copy)]
pub struct StripeClient<'a> {
    http: &'a HttpClient,
    key: &'a SecretString,
}

impl<'a> StripeClient<'a> {
    /// Where every endpoint lives.
    pub const API_BASE_URL: &'static str = "https://api.stripe.com/v1";

    /// A client sending requests through `http` (the run's `ctx.http()`) with `key`.
    pub fn new(http: &'a HttpClient, key: &'a SecretString) -> Self {
        StripeClient { http, key }
    }

    /// `POST {path}` with `pairs` form-encoded: the created object. `target` names
    /// what the request refers to ("price `price_123`") for a "not found" error.
    pub async fn post_form(&self, path: &str, pairs: &[(String, String)], target: &str) -> Result<Value, StripeError> {
        let response = self
            .http
            .post(format!("{}{path}", Self::API_BASE_URL))
            .bearer_auth(self.key)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(pairs))
            .send()
            .await
            .map_err(StripeError::Request)?;
        if response.status().is_success() {
            response.json().map_err(StripeError::Decode)
        } else {
            Err(self.error(&response, target))
        }
    }

    /// The error for an answer with an error status.
    fn error(&self, response: &Response, target: &str) -> StripeError {
        let status = response.status();
        let body: Value = response.json().unwrap_or(Value::Null);
        let text = |key: &str| body["error"][key].as_str().unwrap_or_default().to_owned();
        // Stripe masks keys in its messages; erase ours anyway, should one appear.
        let secret = self.key.expose_secret();
        let message = if secret.is_empty() { text("message") } else { text("message").replace(secret, "[redacted]") };
        // A missing object named in a create request is a 400 with this code.
        if text("code") == "resource_missing" {
            return StripeError::NotFound { target: target.to_owned(), message };
        }
        match status.as_u16() {
            401 => StripeError::Unauthorized { message },
            403 => StripeError::Forbidden { message },
            404 => StripeError::NotFound { target: target.to_owned(), message },
            400 | 402 => StripeError::Invalid { status, message, param: text("param") },
            429 => StripeError::RateLimited { until: retry_after(response) },
            _ => StripeError::Status { status, message },
        }
    }
}

/// How long a `429` asks to wait: its `Retry-After`, else Stripe's advice.
fn retry_after(response: &Response) -> String {
    match response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok())
    {
        Some(seconds) => format!("{seconds} seconds from now"),
        None => "the limit eases (Stripe advises retrying with exponential back-off)".to_owned(),
    }
}

impl fmt::Debug for StripeClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeClient").field("base_url", &Self::API_BASE_URL).finish_non_exhaustive()
    }
}
