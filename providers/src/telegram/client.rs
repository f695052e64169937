//! `TelegramClient`: the Bot API at `https://api.telegram.org/bot<token>/<method>`,
//! over the run's `ctx.http()`.
//!
//! The token is part of the URL's path, where no header redaction reaches, so
//! every request is told to erase it ([`RequestBuilder::redact`]): it cannot show
//! in an HTTP error (URL, message or body snippet) or the request's `Debug`. A
//! token with a character no bot token has (`/`, `?`, `#`, `%`, ...) is refused
//! before anything is sent, so it cannot change the path either. Every method is
//! a `POST` of JSON; answers are `{"ok": true, "result": ...}`.
//!
//! [`RequestBuilder::redact`]: block_core::http::RequestBuilder::redact

use std::fmt;

use block_core::http::HttpClient;
use block_core::prelude::*;

use super::error::TelegramError;

/// Calls the Telegram Bot API as one bot.
#[derive(Clone, Copy)]
pub struct TelegramClient<'a> {
    http: &'a HttpClient,
    token: &'a SecretString,
}

/// Whether `token` could be a bot token: letters, digits, `:`, `_` and `-` only.
fn is_token_shaped(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-'))
}

impl<'a> TelegramClient<'a> {
    /// The API's origin.
    pub const API_ORIGIN: &'static str = "https://api.telegram.org";

    /// A client sending requests through `http` (the run's `ctx.http()`) as the bot
    /// whose token is `token`.
    pub fn new(http: &'a HttpClient, token: &'a SecretString) -> Result<Self, TelegramError> {
        if is_token_shaped(token.expose_secret()) {
            Ok(TelegramClient { http, token })
        } else {
            Err(TelegramError::MalformedToken)
        }
    }

    /// The bot's numeric id: the part of the token before `:`, which is not secret
    /// (it is the bot's user id).
    pub fn bot_id(&self) -> Option<&str> {
        let (id, _) = self.token.expose_secret().split_once(':')?;
        (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
    }

    /// `POST /bot<token>/{method}` with `params` as JSON: the answer's `result`.
    /// `target` names what the call is about ("chat `123`") for a "not found"
    /// error; `also_secret` is erased from errors too (a webhook secret in the
    /// parameters).
    pub async fn call(
        &self,
        method: &str,
        params: &Value,
        target: &str,
        also_secret: Option<&SecretString>,
    ) -> Result<Value, TelegramError> {
        let url = format!("{}/bot{}/{method}", Self::API_ORIGIN, self.token.expose_secret());
        let mut request = self.http.post(url).redact(self.token).json(params);
        if let Some(secret) = also_secret {
            request = request.redact(secret);
        }
        let response = request.send().await.map_err(TelegramError::Request)?;
        let status = response.status();
        let body: Value = response.json().map_err(|_| {
            if status.is_success() {
                TelegramError::Decode { method: method.to_owned() }
            } else {
                TelegramError::Status { status, description: String::new() }
            }
        })?;
        if body["ok"].as_bool() == Some(true) {
            return Ok(body["result"].clone());
        }
        let description = body["description"].as_str().unwrap_or_default().to_owned();
        let code = body["error_code"].as_i64().unwrap_or_else(|| i64::from(status.as_u16()));
        Err(match code {
            401 | 404 => TelegramError::Unauthorized { code, description },
            403 => TelegramError::Forbidden { description },
            429 => TelegramError::RateLimited {
                until: match body["parameters"]["retry_after"].as_u64() {
                    Some(seconds) => format!("{seconds} seconds from now"),
                    None => "the flood control eases".to_owned(),
                },
            },
            400 if description.to_ascii_lowercase().contains("not found") => {
                TelegramError::NotFound { target: target.to_owned(), description }
            }
            400 => TelegramError::BadRequest { description },
            _ => TelegramError::Status { status, description },
        })
    }
}

impl fmt::Debug for TelegramClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramClient").field("origin", &Self::API_ORIGIN).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use block_core::http::{Exchange, HttpPolicy, MockTransport, RetryPolicy};

    use super::*;

    const TOKEN: &str = "123456789:AAE-canary_token-9f3a7c1e";

    fn client_over(exchanges: impl IntoIterator<Item = Exchange>) -> HttpClient {
        let policy = HttpPolicy::default().retry(RetryPolicy::none());
        HttpClient::new(policy, Arc::new(MockTransport::new(exchanges)))
    }

    #[track_caller]
    fn assert_clean(error: &TelegramError) {
        let mut text = format!("{error} | {error:?}");
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            text.push_str(&format!(" | {inner}"));
            source = inner.source();
        }
        assert!(!text.contains("canary") && !text.contains("AAE-"), "the token leaked: {text}");
    }

    #[tokio::test]
    async fn the_token_in_the_path_never_shows_in_an_error() {
        let token = SecretString::from(TOKEN);
        let url = format!("https://api.telegram.org/bot{TOKEN}/sendMessage");
        let failures = [
            Exchange::post(&url).fail_to_connect(),
            Exchange::post(&url).respond_body(502, format!("bad gateway for /bot{TOKEN}/sendMessage")),
        ];
        for exchange in failures {
            let http = client_over([exchange]);
            let client = TelegramClient::new(&http, &token).expect("token-shaped");
            let error = client.call("sendMessage", &json!({"chat_id": 1}), "chat `1`", None).await.expect_err("fails");
            assert_clean(&error);
        }
        // No exchange at all: the mock's "unmocked request" names the URL.
        let http = client_over([]);
        let client = TelegramClient::new(&http, &token).expect("token-shaped");
        let error = client.call("getMe", &json!({}), "the bot", None).await.expect_err("unmocked");
        assert_clean(&error);
        assert!(format!("{client:?}").contains("api.telegram.org") && !format!("{client:?}").contains("canary"));
    }

    #[test]
    fn a_token_that_could_change_the_path_is_refused_unsent() {
        let http = client_over([]);
        for bad in ["", "123:abc/../../x", "123:abc?x=1", "123:abc#", "123:a%2Fb", "123: abc"] {
            let token = SecretString::from(bad);
            let error = TelegramClient::new(&http, &token).expect_err(bad);
            assert!(matches!(error, TelegramError::MalformedToken), "{bad}");
        }
        let token = SecretString::from(TOKEN);
        assert_eq!(TelegramClient::new(&http, &token).expect("valid").bot_id(), Some("123456789"));
    }
}
