//! `GithubWebhookManager`: GitHub's webhook deliveries and repository hooks.
//!
//! A delivery is authenticated by `X-Hub-Signature-256: sha256=<hex>`, the
//! HMAC-SHA256 of the raw body under the webhook's secret, compared in constant
//! time before anything is parsed. Its event type is `X-GitHub-Event`, followed by
//! `.<action>` when the payload has an `action` (`pull_request.opened`); `ping`,
//! sent when a hook is created, is the event `ping`. Hooks are registered and
//! removed through the repository hooks API (`hooks.rs`).

mod hooks;
#[cfg(test)]
mod tests;

use block_core::credentials::StoredCredentials;
use block_core::http::{HeaderMap, HeaderValue, HttpClient};
use block_core::oauth::random_token;
use block_core::prelude::*;
use block_core::webhooks::{
    Delivery, RemoteHook, Verified, Webhook, WebhookError, WebhookKind, WebhookManager, hmac_sha256_hex,
    verify_hmac_sha256_hex,
};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// The event header.
pub const EVENT_HEADER: &str = "x-github-event";
/// The delivery id header.
pub const DELIVERY_HEADER: &str = "x-github-delivery";

/// GitHub's webhooks, set up automatically on a repository (`owner/repo`).
#[derive(Debug, Default, Clone, Copy)]
pub struct GithubWebhookManager;

#[block_core::async_trait]
impl WebhookManager for GithubWebhookManager {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Auto
    }

    /// Checks `X-Hub-Signature-256` against the raw body; a missing, repeated or
    /// malformed header is a bad signature like a wrong one.
    fn verify(&self, webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Verified, WebhookError> {
        let bad = |reason: &str| Err(WebhookError::BadSignature(reason.to_owned()));
        let mut values = headers.get_all(SIGNATURE_HEADER).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return bad("a delivery carries exactly one X-Hub-Signature-256 header");
        };
        let Some(hex) = value.to_str().ok().and_then(|value| value.trim().strip_prefix("sha256=")) else {
            return bad("X-Hub-Signature-256 is not `sha256=<hex>`");
        };
        if verify_hmac_sha256_hex(webhook.secret.expose_secret().as_bytes(), body, hex) {
            Ok(Verified::signature_checked())
        } else {
            bad("X-Hub-Signature-256 does not match the body under this webhook's secret")
        }
    }

    /// `<X-GitHub-Event>.<action>`, or the bare event when the payload has no
    /// action; the payload is the JSON body, which must be an object.
    /// GitHub's `X-GitHub-Delivery`, the same on a redelivery.
    fn delivery_id(&self, headers: &HeaderMap, _delivery: &Delivery) -> Option<String> {
        headers.get("x-github-delivery").and_then(|value| value.to_str().ok()).map(|id| format!("github:{id}"))
    }

    /// GitHub caps its payloads at 25 MB.
    fn max_body_bytes(&self) -> usize {
        25 << 20
    }

    fn parse(&self, _webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let bad = |reason: String| WebhookError::BadPayload(reason);
        let event = headers
            .get(EVENT_HEADER)
            .ok_or_else(|| bad("the X-GitHub-Event header is missing".into()))?
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|event| is_event_name(event))
            .ok_or_else(|| bad("X-GitHub-Event is not an event name such as `pull_request`".into()))?;
        let payload: Value = serde_json::from_slice(body).map_err(|error| {
            bad(format!("the body is not JSON ({error}); configure the hook with content type application/json"))
        })?;
        if !payload.is_object() {
            return Err(bad("the body is not a JSON object".into()));
        }
        let event = match payload.get("action").and_then(Value::as_str).filter(|action| is_event_name(action)) {
            Some(action) => format!("{event}.{action}"),
            None => event.to_owned(),
        };
        Ok(Delivery { event, payload })
    }

    /// The headers GitHub sends: the signature, the event (the part of `event`
    /// before the first `.`), a fresh delivery id, the hook id when known, the
    /// JSON content type and GitHub's user agent.
    fn sign_delivery(&self, webhook: &Webhook, event: &str, body: &[u8]) -> HeaderMap {
        let signature = format!("sha256={}", hmac_sha256_hex(webhook.secret.expose_secret().as_bytes(), body));
        let event = event.split('.').next().unwrap_or_default();
        let mut headers = HeaderMap::new();
        let mut put = |name: &'static str, value: &str| {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        };
        put(SIGNATURE_HEADER, &signature);
        put(EVENT_HEADER, event);
        put(DELIVERY_HEADER, &random_token(16));
        if let Some(remote_id) = &webhook.remote_id {
            put("x-github-hook-id", remote_id);
        }
        put("content-type", "application/json");
        put("user-agent", "GitHub-Hookshot/blocks");
        headers
    }

    async fn register(
        &self,
        http: &HttpClient,
        credentials: &StoredCredentials,
        webhook: &Webhook,
        url: &str,
    ) -> Result<String, WebhookError> {
        hooks::register(http, credentials, webhook, url).await
    }

    async fn deregister(
        &self,
        http: &HttpClient,
        credentials: &StoredCredentials,
        resource: &str,
        remote_id: &str,
    ) -> Result<(), WebhookError> {
        hooks::deregister(http, credentials, resource, remote_id).await
    }

    async fn remote_hooks(
        &self,
        http: &HttpClient,
        credentials: &StoredCredentials,
        resource: &str,
    ) -> Result<Vec<RemoteHook>, WebhookError> {
        hooks::remote_hooks(http, credentials, resource).await
    }
}

/// GitHub's event and action names: lowercase letters, digits and `_`.
fn is_event_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
