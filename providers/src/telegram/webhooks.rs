//! `TelegramWebhookManager`: a bot's updates, delivered to the webhook `setWebhook`
//! registers.
//!
//! The webhook is set up automatically with the bot's token: `setWebhook` gives
//! Telegram our URL, the update types subscribed (`allowed_updates`) and a
//! `secret_token` we generate, which Telegram sends back on every delivery in
//! `X-Telegram-Bot-Api-Secret-Token`; it is compared in constant time. The scheme
//! signs neither the body nor a time: the secret travels over TLS, and a replay
//! cannot be told from a fresh update. A bot has one webhook: the latest
//! `setWebhook` wins, so every trigger of a bot must subscribe the same updates
//! (this module's trigger always asks for `message`), with the same credentials.
//! `deleteWebhook` removes it with the last subscriber; `getWebhookInfo` shows
//! where it points, for reconciliation. The event type is the update's kind: the
//! key beside `update_id`, e.g. `message`.

use block_core::credentials::StoredCredentials;
use block_core::http::{HeaderMap, HeaderValue, HttpClient};
use block_core::prelude::*;
use block_core::webhooks::{Delivery, RemoteHook, Verified, Webhook, WebhookError, WebhookKind, WebhookManager};

use super::{TelegramClient, TelegramError};

/// The header carrying the webhook's secret token.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// A bot's webhook, registered with its token.
#[derive(Debug, Default, Clone, Copy)]
pub struct TelegramWebhookManager;

/// The bot token of `credentials`.
fn token(credentials: &StoredCredentials) -> Result<&SecretString, WebhookError> {
    match credentials {
        StoredCredentials::ApiKey(key) => Ok(&key.api_key),
        other => Err(WebhookError::Invalid(format!(
            "a Telegram webhook is registered with a bot token, not {}",
            other.kind()
        ))),
    }
}

/// A client for `credentials`, and the bot's id.
fn bot<'a>(
    http: &'a HttpClient,
    credentials: &'a StoredCredentials,
) -> Result<(TelegramClient<'a>, String), WebhookError> {
    let client = TelegramClient::new(http, token(credentials)?).map_err(remote_error)?;
    let id = client
        .bot_id()
        .ok_or_else(|| {
            WebhookError::Invalid("the bot token does not start with the bot's id (`<bot id>:<secret>`)".into())
        })?
        .to_owned();
    Ok((client, id))
}

/// Telegram's refusal as a webhook error: transport failures stay HTTP errors.
fn remote_error(error: TelegramError) -> WebhookError {
    match error {
        TelegramError::Request(error) => WebhookError::Http(error),
        other => WebhookError::Invalid(other.to_string()),
    }
}

/// Whether two byte strings are equal, in time that does not depend on where they
/// differ.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[block_core::async_trait]
impl WebhookManager for TelegramWebhookManager {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Auto
    }

    fn verify(&self, webhook: &Webhook, headers: &HeaderMap, _body: &[u8]) -> Result<Verified, WebhookError> {
        let mut values = headers.get_all(SECRET_HEADER).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(WebhookError::BadSignature(
                "a Telegram update carries exactly one X-Telegram-Bot-Api-Secret-Token header".into(),
            ));
        };
        if same_bytes(value.as_bytes(), webhook.secret.expose_secret().as_bytes()) {
            Ok(Verified::signature_checked())
        } else {
            Err(WebhookError::BadSignature("X-Telegram-Bot-Api-Secret-Token is not this webhook's secret".into()))
        }
    }

    /// The update's `update_id`, the same when Telegram sends it again.
    fn delivery_id(&self, _headers: &HeaderMap, delivery: &Delivery) -> Option<String> {
        delivery.payload["update_id"].as_i64().map(|id| format!("telegram:{id}"))
    }

    fn parse(&self, _webhook: &Webhook, _headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let bad = |reason: &str| WebhookError::BadPayload(reason.to_owned());
        let payload: Value = serde_json::from_slice(body).map_err(|_| bad("the Telegram update is not JSON"))?;
        let fields = payload.as_object().ok_or_else(|| bad("the Telegram update is not a JSON object"))?;
        if !fields.get("update_id").is_some_and(Value::is_i64) {
            return Err(bad("the Telegram update has no `update_id`"));
        }
        let mut kinds = fields.keys().filter(|key| *key != "update_id");
        let event = match (kinds.next(), kinds.next()) {
            (Some(kind), None)
                if kind.len() <= 64
                    && kind.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
            {
                kind.clone()
            }
            _ => return Err(bad("a Telegram update carries exactly one kind of update beside `update_id`")),
        };
        Ok(Delivery { event, payload })
    }

    fn sign_delivery(&self, webhook: &Webhook, _event: &str, _body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(mut value) = HeaderValue::from_str(webhook.secret.expose_secret()) {
            value.set_sensitive(true);
            headers.insert(SECRET_HEADER, value);
        }
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers
    }

    /// `setWebhook` with our URL, the subscribed update types and the secret;
    /// returns the bot's id.
    async fn register(
        &self,
        http: &HttpClient,
        credentials: &StoredCredentials,
        webhook: &Webhook,
        url: &str,
    ) -> Result<String, WebhookError> {
        let (client, bot_id) = bot(http, credentials)?;
        let params = json!({
            "url": url,
            "secret_token": webhook.secret.expose_secret(),
            "allowed_updates": webhook.events,
        });
        client.call("setWebhook", &params, "the bot", Some(&webhook.secret)).await.map_err(remote_error)?;
        Ok(bot_id)
    }

    /// `deleteWebhook`; a bot with no webhook answers it with success too.
    async fn deregister(
        &self,
        http: &HttpClient,
        credentials: &StoredCredentials,
        _resource: &str,
        remote_id: &str,
    ) -> Result<(), WebhookError> {
        let (client, bot_id) = bot(http, credentials)?;
        if bot_id != remote_id {
            return Err(WebhookError::Invalid(format!(
                "the webhook was registered for bot {remote_id}, but these credentials are bot {bot_id}'s"
            )));
        }
        client.call("deleteWebhook", &json!({}), "the bot", None).await.map_err(remote_error).map(drop)
    }

    /// Where the bot's webhook points, from `getWebhookInfo` (none when unset).
    async fn remote_hooks(
        &self,
        http: &HttpClient,
        credentials: &StoredCredentials,
        _resource: &str,
    ) -> Result<Vec<RemoteHook>, WebhookError> {
        let (client, bot_id) = bot(http, credentials)?;
        let info = client.call("getWebhookInfo", &json!({}), "the bot", None).await.map_err(remote_error)?;
        Ok(match info["url"].as_str() {
            Some(url) if !url.is_empty() => vec![RemoteHook { id: bot_id, url: url.to_owned() }],
            _ => Vec::new(),
        })
    }
}
