//! `DiscordClient`: the REST API at `https://discord.com/api/v10` with a bot token,
//! and [`WebhookUrl`], a checked webhook URL, both over the run's `ctx.http()`.

use std::fmt;

use block_core::http::{HttpClient, Url};
use block_core::prelude::*;

use super::error::DiscordError;

/// Calls Discord's REST API as a bot.
#[derive(Clone, Copy)]
pub struct DiscordClient<'a> {
    http: &'a HttpClient,
    token: &'a SecretString,
}

impl<'a> DiscordClient<'a> {
    /// The versioned API every bot request goes to.
    pub const API_BASE_URL: &'static str = "https://discord.com/api/v10";

    /// A client sending through `http` (the run's `ctx.http()`) with a bot token.
    pub fn new(http: &'a HttpClient, token: &'a SecretString) -> Self {
        DiscordClient { http, token }
    }

    /// `POST {path}` with `body`, as `Authorization: Bot <token>`; the JSON answer.
    /// `what` names the resource in a 404.
    pub async fn post(&self, path: &str, body: &Value, what: &str) -> Result<Value, DiscordError> {
        let response = self
            .http
            .post(format!("{}{path}", Self::API_BASE_URL))
            .sensitive_header("authorization", &format!("Bot {}", self.token.expose_secret()).into())
            .redact(self.token)
            .json(body)
            .send()
            .await
            .map_err(DiscordError::Request)?;
        if !response.status().is_success() {
            return Err(DiscordError::from_response(&response, what, &[self.token]));
        }
        response.json().map_err(|error| DiscordError::Unexpected(error.to_string()))
    }
}

impl fmt::Debug for DiscordClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscordClient").field("base_url", &Self::API_BASE_URL).finish_non_exhaustive()
    }
}

/// A Discord webhook URL that passed the checks: `https://discord.com`, path
/// `/api/webhooks/{numeric id}/{token}`, nothing else.
pub struct WebhookUrl {
    url: SecretString,
    token: SecretString,
}

impl WebhookUrl {
    /// Checks `secret` (the stored credentials) and keeps it and its token part.
    pub fn parse(secret: &SecretString) -> Result<Self, DiscordError> {
        let url = Url::parse(secret.expose_secret().trim()).map_err(|_| DiscordError::NotAWebhookUrl)?;
        let segments: Vec<&str> = url.path_segments().map(Iterator::collect).unwrap_or_default();
        let well_formed = url.scheme() == "https"
            && url.host_str() == Some("discord.com")
            && url.port().is_none()
            && url.username().is_empty()
            && url.password().is_none()
            && url.query().is_none()
            && url.fragment().is_none()
            && matches!(segments.as_slice(), ["api", "webhooks", id, token]
                if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !token.is_empty());
        if !well_formed {
            return Err(DiscordError::NotAWebhookUrl);
        }
        let token = segments.get(3).copied().unwrap_or_default().to_owned();
        let url = url.as_str().trim_end_matches('/').to_owned();
        Ok(WebhookUrl { url: url.into(), token: token.into() })
    }

    /// Executes the webhook with `body` and `?wait=true`, so Discord answers with
    /// the message it created; the URL and its token are erased from every error.
    pub async fn execute(&self, http: &HttpClient, body: &Value) -> Result<Value, DiscordError> {
        let response = http
            .post(self.url.expose_secret())
            .query(&[("wait", "true")])
            .redact(&self.url)
            .redact(&self.token)
            .json(body)
            .send()
            .await
            .map_err(DiscordError::Request)?;
        if !response.status().is_success() {
            return Err(DiscordError::from_response(&response, "webhook", &[&self.url, &self.token]));
        }
        response.json().map_err(|error| DiscordError::Unexpected(error.to_string()))
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookUrl([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use block_core::http::{Exchange, HttpPolicy, MockTransport};

    use super::*;

    const URL: &str = "https://discord.com/api/webhooks/123456/t0ken-canary_xyz";

    #[test]
    fn accepts_only_discord_webhook_urls() {
        assert!(WebhookUrl::parse(&URL.into()).is_ok());
        for bad in [
            "http://discord.com/api/webhooks/1/t",
            "https://discordapp.evil.com/api/webhooks/1/t",
            "https://discord.com.evil.com/api/webhooks/1/t",
            "https://discord.com/api/webhooks/abc/t",
            "https://discord.com/api/webhooks/1",
            "https://discord.com/api/webhooks/1/t/slack",
            "https://discord.com/api/channels/1/messages",
            "https://discord.com/api/webhooks/1/t?wait=false",
            "https://user:pw@discord.com/api/webhooks/1/t",
            "not a url",
        ] {
            assert!(WebhookUrl::parse(&bad.into()).is_err(), "{bad} was accepted");
        }
    }

    #[tokio::test]
    async fn errors_and_debug_never_show_the_webhook_url_or_its_token() {
        let mock = Arc::new(MockTransport::new([Exchange::post(&format!("{URL}?wait=true"))
            .respond_json(404, json!({"message": "Unknown Webhook", "code": 10015}))]));
        let http = HttpClient::new(HttpPolicy::default(), mock);
        let webhook = WebhookUrl::parse(&URL.into()).expect("valid");
        let error = webhook.execute(&http, &json!({"content": "hi"})).await.expect_err("404");
        let text = format!("{error} {error:?} {webhook:?}");
        assert!(text.contains("Discord found no webhook (404: Unknown Webhook)"), "{text}");
        assert!(!text.contains("t0ken-canary") && !text.contains("123456"), "{text}");

        let mock = Arc::new(MockTransport::new([Exchange::post(&format!("{URL}?wait=true")).fail_to_connect()]));
        let http = HttpClient::new(HttpPolicy::default(), mock);
        let error = webhook.execute(&http, &json!({"content": "hi"})).await.expect_err("no connection");
        let text = block_core::BlockError::from(error).to_string();
        assert!(!text.contains("t0ken-canary"), "{text}");
    }
}
