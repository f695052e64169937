//! The Example API's webhooks: set up by hand (the user pastes our URL into the
//! Example dashboard) and signed with a timestamped HMAC.

use std::time::{Duration, SystemTime};

use block_core::http::{HeaderMap, HeaderValue};
use block_core::webhooks::{
    Delivery, DeliveryDraft, SignedDelivery, Verified, Webhook, WebhookError, WebhookKind, WebhookManager,
    hmac_sha256_hex, unix_seconds, verify_hmac_sha256_hex,
};
use block_core::{ExposeSecret, Value, serde_json};

/// The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`.
pub const SIGNATURE_HEADER: &str = "x-example-signature";

/// Deliveries older (or newer) than this many seconds are refused as replays.
pub const TOLERANCE_SECS: i64 = 300;

/// The event types the Example API sends.
pub const EVENT_TYPES: &[&str] = &["example_event", "another_example_event"];

/// Verifies and parses Example API deliveries.
#[derive(Debug, Default)]
pub struct ExampleWebhookManager;

fn now() -> i64 {
    unix_seconds(SystemTime::now())
}

fn signed_payload(timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    signed
}

#[block_core::async_trait]
impl WebhookManager for ExampleWebhookManager {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Manual
    }

    fn tolerance(&self) -> Option<Duration> {
        Some(Duration::from_secs(TOLERANCE_SECS.unsigned_abs()))
    }

    fn verify(&self, webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Verified, WebhookError> {
        let header = headers
            .get(SIGNATURE_HEADER)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| WebhookError::BadSignature(format!("the `{SIGNATURE_HEADER}` header is missing")))?;
        let mut timestamp = None;
        let mut signature = None;
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", value)) => timestamp = Some(value),
                Some(("v1", value)) => signature = Some(value),
                _ => {}
            }
        }
        let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
            return Err(WebhookError::BadSignature(format!("`{SIGNATURE_HEADER}` must be `t=<seconds>,v1=<hex>`")));
        };
        let sent: i64 = timestamp
            .parse()
            .map_err(|_| WebhookError::BadSignature("the signature's timestamp is not a number".into()))?;
        if (now() - sent).abs() > TOLERANCE_SECS {
            return Err(WebhookError::BadSignature("the signature's timestamp is too old or in the future".into()));
        }
        let secret = webhook.secret.expose_secret().as_bytes();
        if !verify_hmac_sha256_hex(secret, &signed_payload(timestamp, body), signature) {
            return Err(WebhookError::BadSignature("the signature does not match the body".into()));
        }
        Ok(Verified::signature_checked())
    }

    fn parse(&self, _webhook: &Webhook, _headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let payload: Value = serde_json::from_slice(body)
            .map_err(|error| WebhookError::BadPayload(format!("the body is not JSON: {error}")))?;
        // As in the tutorial: the body says its type, `example_event` when it does not.
        let event = match &payload["webhook_type"] {
            Value::Null => "example_event".to_owned(),
            Value::String(kind) if EVENT_TYPES.contains(&kind.as_str()) => kind.clone(),
            other => return Err(WebhookError::BadPayload(format!("unknown `webhook_type` {other}"))),
        };
        Ok(Delivery { event, payload })
    }

    fn sign_delivery(&self, webhook: &Webhook, _event: &str, body: &[u8]) -> HeaderMap {
        signed_headers(webhook, body, SystemTime::now())
    }

    fn sign_request(&self, webhook: &Webhook, draft: &DeliveryDraft<'_>) -> Result<SignedDelivery, WebhookError> {
        let body = serde_json::to_vec(draft.payload)
            .map_err(|error| WebhookError::BadPayload(format!("the payload is not JSON: {error}")))?;
        Ok(SignedDelivery { headers: signed_headers(webhook, &body, draft.signed_at), body })
    }
}

/// The headers the Example API sends with `body`, signed at `at`.
fn signed_headers(webhook: &Webhook, body: &[u8], at: SystemTime) -> HeaderMap {
    let timestamp = unix_seconds(at).to_string();
    let signature = hmac_sha256_hex(webhook.secret.expose_secret().as_bytes(), &signed_payload(&timestamp, body));
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&format!("t={timestamp},v1={signature}")) {
        headers.insert(SIGNATURE_HEADER, value);
    }
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers
}
