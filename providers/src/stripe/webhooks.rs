//! `StripeWebhookManager`: Stripe's signed event deliveries.
//!
//! Stripe sends `Stripe-Signature: t=<seconds>,v1=<hex>[,v1=<hex>...]`, where each
//! `v1` is the HMAC-SHA256 of `<t>.<raw body>` under the endpoint's signing secret
//! (several while a secret is being rolled; one match is enough). A delivery
//! signed more than five minutes from now is refused as a replay, Stripe's default
//! tolerance. Stripe issues the secret (`whsec_...`) when the endpoint is created
//! with our URL, so the webhook is manual and the user gives the secret. The event
//! type is the event's `type`, e.g. `checkout.session.completed`.

use std::time::{Duration, SystemTime};

use block_core::http::{HeaderMap, HeaderValue};
use block_core::prelude::*;
use block_core::webhooks::{
    Delivery, DeliveryDraft, SecretSource, SignedDelivery, Verified, Webhook, WebhookError, WebhookKind,
    WebhookManager, check_signed_time, hmac_sha256_hex, unix_seconds, verify_hmac_sha256_hex,
};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "stripe-signature";
/// How far the signed time may be from now (Stripe's libraries' default).
pub const TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Stripe's webhook endpoints, added by hand in the Dashboard.
#[derive(Debug, Default, Clone, Copy)]
pub struct StripeWebhookManager;

/// What Stripe signs: `<t>.<body>`.
fn signed_payload(timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    signed
}

/// The `v1` signature of `body` sent at `timestamp`, under `secret`.
pub fn stripe_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    hmac_sha256_hex(secret.as_bytes(), &signed_payload(timestamp, body))
}

#[block_core::async_trait]
impl WebhookManager for StripeWebhookManager {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Manual
    }

    fn secret_source(&self) -> SecretSource {
        SecretSource::Provider {
            what: "the endpoint's Signing secret (whsec_...), which the Stripe Dashboard shows under Developers, \
                   Webhooks once the endpoint is added with this webhook's URL",
        }
    }

    fn tolerance(&self) -> Option<Duration> {
        Some(TOLERANCE)
    }

    fn verify(&self, webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Verified, WebhookError> {
        let bad = |reason: String| WebhookError::BadSignature(reason);
        let mut values = headers.get_all(SIGNATURE_HEADER).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(bad("a Stripe delivery carries exactly one Stripe-Signature header".into()));
        };
        let header = value.to_str().map_err(|_| bad("Stripe-Signature is not text".into()))?;
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for element in header.split(',') {
            match element.trim().split_once('=') {
                Some(("t", value)) if timestamp.is_none() => timestamp = Some(value),
                Some(("v1", value)) => signatures.push(value),
                // Other schemes (v0, test-mode extras) are not Stripe's live signature.
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or_else(|| bad("Stripe-Signature has no timestamp `t=`".into()))?;
        if signatures.is_empty() {
            return Err(bad("Stripe-Signature has no `v1=` signature".into()));
        }
        let seconds: i64 =
            timestamp.parse().map_err(|_| bad("the `t=` of Stripe-Signature is not a Unix time".into()))?;
        check_signed_time(seconds, TOLERANCE)
            .map_err(|why| bad(format!("the Stripe event is refused as a replay: {why}")))?;
        let secret = webhook.secret.expose_secret().as_bytes();
        let signed = signed_payload(timestamp, body);
        if signatures.iter().any(|signature| verify_hmac_sha256_hex(secret, &signed, signature)) {
            Ok(Verified::signature_checked())
        } else {
            Err(bad("no v1 signature of Stripe-Signature matches the body under this endpoint's signing secret".into()))
        }
    }

    /// The event's `id` (`evt_...`), the same on Stripe's retries.
    fn delivery_id(&self, _headers: &HeaderMap, delivery: &Delivery) -> Option<String> {
        delivery.payload["id"].as_str().map(|id| format!("stripe:{id}"))
    }

    fn parse(&self, _webhook: &Webhook, _headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let bad = |reason: &str| WebhookError::BadPayload(reason.to_owned());
        let payload: Value = serde_json::from_slice(body).map_err(|_| bad("the Stripe delivery is not JSON"))?;
        if payload["object"] != "event" {
            return Err(bad("the Stripe delivery is not an event (`object` is not \"event\")"));
        }
        let event = payload["type"]
            .as_str()
            .filter(|t| {
                !t.is_empty()
                    && t.len() <= 128
                    && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
            })
            .ok_or_else(|| bad("the Stripe event has no `type` such as `checkout.session.completed`"))?
            .to_owned();
        Ok(Delivery { event, payload })
    }

    fn sign_delivery(&self, webhook: &Webhook, _event: &str, body: &[u8]) -> HeaderMap {
        headers(webhook.secret.expose_secret(), body, SystemTime::now())
    }

    fn sign_request(&self, webhook: &Webhook, draft: &DeliveryDraft<'_>) -> Result<SignedDelivery, WebhookError> {
        let body = serde_json::to_vec(draft.payload)
            .map_err(|error| WebhookError::BadPayload(format!("the payload is not JSON: {error}")))?;
        Ok(SignedDelivery { headers: headers(webhook.secret.expose_secret(), &body, draft.signed_at), body })
    }
}

/// The headers Stripe sends with `body`, signed with `secret` at `at`.
fn headers(secret: &str, body: &[u8], at: SystemTime) -> HeaderMap {
    let timestamp = unix_seconds(at).to_string();
    let signature = format!("t={timestamp},v1={}", stripe_signature(secret, &timestamp, body));
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&signature) {
        headers.insert(SIGNATURE_HEADER, value);
    }
    headers.insert("content-type", HeaderValue::from_static("application/json; charset=utf-8"));
    headers.insert("user-agent", HeaderValue::from_static("Stripe/1.0 (+https://stripe.com/docs/webhooks)"));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    /// The test event body Stripe's libraries sign in their own tests.
    const BODY: &str = "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}";

    fn webhook() -> Webhook {
        let mut webhook = Webhook::new("stripe", "alice", WebhookKind::Manual, "", Vec::new(), None);
        webhook.secret = SECRET.to_owned().into();
        webhook
    }

    fn signed(header: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(header).expect("ascii"));
        headers
    }

    #[test]
    fn signs_as_stripes_docs_describe_with_a_known_secret_and_time() {
        // Stripe's "verify manually" steps, computed with Python's hmac module:
        // hmac.new(b"whsec_test_secret", b"1614265330." + BODY, sha256).hexdigest()
        assert_eq!(
            stripe_signature(SECRET, "1614265330", BODY.as_bytes()),
            "af4ead0627a34a8cca29808e8de9ada8e41a92e6237c63cef6eacf51d36cca34"
        );
    }

    #[test]
    fn accepts_any_matching_v1_among_several_and_ignores_other_schemes() {
        let now = unix_seconds(SystemTime::now()).to_string();
        let good = stripe_signature(SECRET, &now, BODY.as_bytes());
        let header =
            format!("t={now},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39,v1=bad,v1={good}");
        assert!(StripeWebhookManager.verify(&webhook(), &signed(&header), BODY.as_bytes()).is_ok());
    }

    #[test]
    fn refuses_malformed_headers_old_times_and_wrong_signatures_without_showing_the_secret() {
        let now = unix_seconds(SystemTime::now());
        let good = |t: i64| stripe_signature(SECRET, &t.to_string(), BODY.as_bytes());
        for (case, header) in [
            ("no timestamp", format!("v1={}", good(now))),
            ("no v1", format!("t={now}")),
            ("a word for a time", format!("t=soon,v1={}", good(now))),
            ("signed an hour ago", format!("t={},v1={}", now - 3600, good(now - 3600))),
            (
                "another secret",
                format!("t={now},v1={}", stripe_signature("whsec_other", &now.to_string(), BODY.as_bytes())),
            ),
        ] {
            let error = StripeWebhookManager.verify(&webhook(), &signed(&header), BODY.as_bytes()).expect_err(case);
            assert!(matches!(error, WebhookError::BadSignature(_)), "{case}: {error}");
            assert!(!error.to_string().contains(SECRET), "{case}: the secret leaks");
        }
        let error = StripeWebhookManager.verify(&webhook(), &HeaderMap::new(), BODY.as_bytes()).expect_err("unsigned");
        assert!(error.to_string().contains("exactly one Stripe-Signature"), "{error}");
    }

    #[test]
    fn the_event_type_is_the_events_type() {
        let parse =
            |payload: Value| StripeWebhookManager.parse(&webhook(), &HeaderMap::new(), payload.to_string().as_bytes());
        let completed = json!({"id": "evt_1", "object": "event", "type": "checkout.session.completed"});
        assert_eq!(parse(completed).expect("parsed").event, "checkout.session.completed");
        assert!(parse(json!({"object": "customer", "type": "x"})).is_err());
        assert!(parse(json!({"object": "event", "type": "Not A Type"})).is_err());
    }
}
