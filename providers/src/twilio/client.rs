//! `TwilioClient`: Twilio's REST API at `https://api.twilio.com/2010-04-01`, over
//! the run's `ctx.http()`.
//!
//! Requests authenticate with HTTP Basic, the account SID as user and the auth
//! token as password, through
//! [`RequestBuilder::basic_auth`](block_core::http::RequestBuilder::basic_auth), so
//! the token is erased from every HTTP error. Bodies are form-encoded; answers are
//! JSON (the `.json` suffix of each resource).

use std::fmt;

use block_core::credentials::UserPasswordCredentials;
use block_core::http::{HttpClient, Response};
use block_core::prelude::*;

use super::error::TwilioError;

/// Calls Twilio's REST API as one account.
#[derive(Clone, Copy)]
pub struct TwilioClient<'a> {
    http: &'a HttpClient,
    account_sid: &'a str,
    auth_token: &'a SecretString,
}

impl<'a> TwilioClient<'a> {
    /// Where every resource lives.
    pub const API_BASE_URL: &'static str = "https://api.twilio.com/2010-04-01";

    /// A client for the account whose SID is `credentials.username` and whose auth
    /// token is `credentials.password`. A SID with a character no SID has is
    /// refused: it goes in the URL's path.
    pub fn new(http: &'a HttpClient, credentials: &'a UserPasswordCredentials) -> Result<Self, TwilioError> {
        let sid = credentials.username.trim();
        if sid.is_empty() || !sid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(TwilioError::MalformedAccountSid);
        }
        Ok(TwilioClient { http, account_sid: sid, auth_token: &credentials.password })
    }

    /// The account's SID.
    pub fn account_sid(&self) -> &str {
        self.account_sid
    }

    /// `POST /Accounts/{sid}{path}` with `pairs` form-encoded: the created resource.
    /// `target` names what the request refers to for a "not found" error.
    pub async fn post_form(&self, path: &str, pairs: &[(&str, &str)], target: &str) -> Result<Value, TwilioError> {
        let url = format!("{}/Accounts/{}{path}", Self::API_BASE_URL, self.account_sid);
        let response = self
            .http
            .post(url)
            .basic_auth(self.account_sid, Some(self.auth_token))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(pairs))
            .send()
            .await
            .map_err(TwilioError::Request)?;
        if response.status().is_success() {
            response.json().map_err(TwilioError::Decode)
        } else {
            Err(error(&response, target))
        }
    }
}

/// `application/x-www-form-urlencoded` of `pairs`, built outside any `await` (the
/// serializer is not `Send`).
fn form(pairs: &[(&str, &str)]) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(pairs.iter().copied());
    form.finish()
}

/// The error for an answer with an error status.
fn error(response: &Response, target: &str) -> TwilioError {
    let status = response.status();
    let body: Value = response.json().unwrap_or(Value::Null);
    let code = body["code"].as_i64().unwrap_or_default();
    let message = body["message"].as_str().unwrap_or_default().to_owned();
    match status.as_u16() {
        401 => TwilioError::Unauthorized { code, message },
        404 => TwilioError::NotFound { target: target.to_owned(), code, message },
        429 => TwilioError::RateLimited {
            until: match response.headers().get("retry-after").and_then(|v| v.to_str().ok()) {
                Some(seconds) => format!("{} seconds from now", seconds.trim()),
                None => "the account's queue drains".to_owned(),
            },
        },
        400 => TwilioError::Invalid { code, message, more_info: body["more_info"].as_str().unwrap_or_default().into() },
        _ => TwilioError::Status { status, message },
    }
}

impl fmt::Debug for TwilioClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioClient").field("account_sid", &self.account_sid).finish_non_exhaustive()
    }
}
