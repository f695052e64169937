//! `LinearWebhookManager`: Linear's signed webhooks.
//!
//! Linear sends `Linear-Signature: <hex>`, the HMAC-SHA256 of the raw body under
//! the webhook's signing secret, and puts the time it sent the delivery in the
//! body (`webhookTimestamp`, Unix milliseconds): the signature is checked first,
//! then the time, which must be within a minute of now, as Linear advises. Linear
//! issues the secret when the webhook is created with our URL in its settings, so
//! the webhook is manual and the user gives the secret afterwards. The event type
//! is `<type>.<action>`, e.g. `Issue.create`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use block_core::http::{HeaderMap, HeaderValue};
use block_core::oauth::random_token;
use block_core::prelude::*;
use block_core::webhooks::{
    Delivery, DeliveryDraft, SecretSource, SignedDelivery, Verified, Webhook, WebhookError, WebhookKind,
    WebhookManager, check_signed_time, hmac_sha256_hex, verify_hmac_sha256_hex,
};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "linear-signature";
/// The header naming the resource type, e.g. `Issue`.
pub const EVENT_HEADER: &str = "linear-event";
/// The header with the delivery's id.
pub const DELIVERY_HEADER: &str = "linear-delivery";
/// How far `webhookTimestamp` may be from now.
pub const TOLERANCE: Duration = Duration::from_secs(60);

/// Linear's webhooks, created by hand in the workspace's API settings.
#[derive(Debug, Default, Clone, Copy)]
pub struct LinearWebhookManager;

#[block_core::async_trait]
impl WebhookManager for LinearWebhookManager {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Manual
    }

    fn secret_source(&self) -> SecretSource {
        SecretSource::Provider {
            what: "the signing secret Linear shows on the webhook's page (Settings, API, Webhooks) once it is created \
                   with this webhook's URL",
        }
    }

    fn tolerance(&self) -> Option<Duration> {
        Some(TOLERANCE)
    }

    /// Checks `Linear-Signature` against the raw body, then the signed body's
    /// `webhookTimestamp`.
    fn verify(&self, webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Verified, WebhookError> {
        let bad = |reason: String| Err(WebhookError::BadSignature(reason));
        let mut values = headers.get_all(SIGNATURE_HEADER).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return bad("a Linear delivery carries exactly one Linear-Signature header".into());
        };
        let Ok(signature) = value.to_str() else { return bad("Linear-Signature is not text".into()) };
        if !verify_hmac_sha256_hex(webhook.secret.expose_secret().as_bytes(), body, signature) {
            return bad("Linear-Signature does not match the body under this webhook's signing secret".into());
        }
        // The body is Linear's own from here on: reading its time is not parsing
        // unverified input.
        let sent = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|payload| payload["webhookTimestamp"].as_i64())
            .ok_or_else(|| WebhookError::BadSignature("the signed body has no `webhookTimestamp`".into()))?;
        check_signed_time(sent.div_euclid(1000), TOLERANCE)
            .map_err(|why| WebhookError::BadSignature(format!("the Linear delivery is refused as a replay: {why}")))?;
        Ok(Verified::signature_checked())
    }

    /// Linear's `Linear-Delivery` header, the same on a retry.
    fn delivery_id(&self, headers: &HeaderMap, _delivery: &Delivery) -> Option<String> {
        headers.get("linear-delivery").and_then(|value| value.to_str().ok()).map(|id| format!("linear:{id}"))
    }

    fn parse(&self, _webhook: &Webhook, _headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let bad = |reason: &str| WebhookError::BadPayload(reason.to_owned());
        let payload: Value = serde_json::from_slice(body).map_err(|_| bad("the Linear delivery is not JSON"))?;
        let kind = payload["type"]
            .as_str()
            .filter(|t| !t.is_empty() && t.len() <= 64 && t.bytes().all(|b| b.is_ascii_alphanumeric()))
            .ok_or_else(|| bad("the Linear delivery has no `type` such as `Issue`"))?;
        let action = payload["action"]
            .as_str()
            .filter(|a| !a.is_empty() && a.len() <= 64 && a.bytes().all(|b| b.is_ascii_alphabetic()))
            .ok_or_else(|| bad("the Linear delivery has no `action` such as `create`"))?;
        Ok(Delivery { event: format!("{kind}.{action}"), payload })
    }

    /// The headers Linear sends with `body` as it is (its `webhookTimestamp`
    /// included).
    fn sign_delivery(&self, webhook: &Webhook, event: &str, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let mut put = |name: &'static str, value: &str| {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        };
        put(SIGNATURE_HEADER, &hmac_sha256_hex(webhook.secret.expose_secret().as_bytes(), body));
        put(EVENT_HEADER, event.split('.').next().unwrap_or_default());
        put(DELIVERY_HEADER, &random_token(16));
        put("content-type", "application/json; charset=utf-8");
        put("user-agent", "Linear-Webhook");
        headers
    }

    /// The payload with `webhookTimestamp` set to the signing time, signed.
    fn sign_request(&self, webhook: &Webhook, draft: &DeliveryDraft<'_>) -> Result<SignedDelivery, WebhookError> {
        let mut payload = draft.payload.clone();
        let millis = draft.signed_at.duration_since(UNIX_EPOCH).map_or(0, |t| t.as_millis());
        if let Value::Object(fields) = &mut payload {
            fields.insert("webhookTimestamp".into(), json!(u64::try_from(millis).unwrap_or(u64::MAX)));
        }
        let body = serde_json::to_vec(&payload)
            .map_err(|error| WebhookError::BadPayload(format!("the payload is not JSON: {error}")))?;
        Ok(SignedDelivery { headers: self.sign_delivery(webhook, draft.event, &body), body })
    }
}

/// Unix milliseconds of `time`, as Linear writes `webhookTimestamp`.
pub fn webhook_timestamp(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook() -> Webhook {
        let mut webhook = Webhook::new("linear", "alice", WebhookKind::Manual, "", Vec::new(), None);
        webhook.secret = "lin_wh_secret-canary".to_owned().into();
        webhook
    }

    fn body(at: SystemTime) -> Vec<u8> {
        json!({"action": "create", "type": "Issue", "data": {"id": "i-1"}, "webhookTimestamp": webhook_timestamp(at)})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn accepts_a_fresh_signed_delivery_and_names_its_event() {
        let body = body(SystemTime::now());
        let headers = LinearWebhookManager.sign_delivery(&webhook(), "Issue.create", &body);
        assert!(LinearWebhookManager.verify(&webhook(), &headers, &body).is_ok());
        assert_eq!(headers[EVENT_HEADER], "Issue");
        let delivery = LinearWebhookManager.parse(&webhook(), &headers, &body).expect("parsed");
        assert_eq!(delivery.event, "Issue.create");
    }

    #[test]
    fn refuses_a_stale_timestamp_even_when_signed() {
        let body = body(SystemTime::now() - Duration::from_secs(120));
        let headers = LinearWebhookManager.sign_delivery(&webhook(), "Issue.create", &body);
        let error = LinearWebhookManager.verify(&webhook(), &headers, &body).expect_err("two minutes old");
        assert!(error.to_string().contains("replay"), "{error}");
    }

    #[test]
    fn refuses_a_signed_body_without_a_timestamp_and_bad_headers_without_showing_the_secret() {
        let bare = br#"{"action":"create","type":"Issue","data":{}}"#;
        let headers = LinearWebhookManager.sign_delivery(&webhook(), "Issue.create", bare);
        let error = LinearWebhookManager.verify(&webhook(), &headers, bare).expect_err("no time");
        assert!(error.to_string().contains("webhookTimestamp"), "{error}");
        let fresh = body(SystemTime::now());
        let signed = LinearWebhookManager.sign_delivery(&webhook(), "Issue.create", &fresh);
        let mut twice = signed.clone();
        twice.append(SIGNATURE_HEADER, signed[SIGNATURE_HEADER].clone());
        for (case, headers) in [("missing", HeaderMap::new()), ("repeated", twice)] {
            let error = LinearWebhookManager.verify(&webhook(), &headers, &fresh).expect_err(case);
            assert!(!error.to_string().contains("canary"), "{case}: the secret leaks");
        }
    }

    #[test]
    fn a_delivery_without_type_or_action_is_malformed() {
        for payload in [json!({"action": "create"}), json!({"type": "Issue"}), json!({"type": "Is sue", "action": "x"})]
        {
            let body = payload.to_string();
            assert!(LinearWebhookManager.parse(&webhook(), &HeaderMap::new(), body.as_bytes()).is_err(), "{payload}");
        }
    }
}
