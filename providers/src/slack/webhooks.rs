//! `SlackWebhookManager`: Events API deliveries, signed with the app's signing
//! secret.
//!
//! Slack sends `X-Slack-Request-Timestamp` and `X-Slack-Signature: v0=<hex>`, the
//! HMAC-SHA256 of `v0:<timestamp>:<raw body>` under the signing secret; a delivery
//! signed more than five minutes from now is refused as a replay. The secret is
//! the app's, issued by Slack, so the webhook is manual and the user gives it. The
//! event type is `event_callback.<inner event type>` (`event_callback.app_mention`)
//! or the outer type (`url_verification`, `app_rate_limited`). Slack checks a new
//! Request URL with `url_verification` and expects its `challenge` back as plain
//! text: the manager answers it and runs nothing.

use std::time::{Duration, SystemTime};

use block_core::http::{HeaderMap, HeaderValue};
use block_core::prelude::*;
use block_core::webhooks::{
    Answer, Delivery, DeliveryDraft, SecretSource, SignedDelivery, Verified, Webhook, WebhookError, WebhookKind,
    WebhookManager, WebhookReply, check_signed_time, hmac_sha256_hex, unix_seconds, verify_hmac_sha256_hex,
};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// The header with the signed time (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// How far the signed time may be from now.
pub const TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Slack's Events API deliveries, to a Request URL set by hand in the app's
/// Event Subscriptions.
#[derive(Debug, Default, Clone, Copy)]
pub struct SlackWebhookManager;

/// What Slack signs: `v0:<timestamp>:<body>`.
fn base_string(timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut base = format!("v0:{timestamp}:").into_bytes();
    base.extend_from_slice(body);
    base
}

/// `v0=<hex>` for `body` sent at `timestamp`, under `secret`.
pub fn slack_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    format!("v0={}", hmac_sha256_hex(secret.as_bytes(), &base_string(timestamp, body)))
}

/// The only value of header `name`, or why there is none.
fn single_header<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, WebhookError> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => {
            value.to_str().map(str::trim).map_err(|_| WebhookError::BadSignature(format!("{name} is not text")))
        }
        _ => Err(WebhookError::BadSignature(format!("a Slack request carries exactly one {name} header"))),
    }
}

#[block_core::async_trait]
impl WebhookManager for SlackWebhookManager {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Manual
    }

    fn secret_source(&self) -> SecretSource {
        SecretSource::Provider {
            what: "the Signing Secret under App Credentials on the Basic Information page of your Slack app",
        }
    }

    fn tolerance(&self) -> Option<Duration> {
        Some(TOLERANCE)
    }

    /// Checks the timestamp, then `X-Slack-Signature` against the raw body.
    fn verify(&self, webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Verified, WebhookError> {
        let timestamp = single_header(headers, TIMESTAMP_HEADER)?;
        let signature = single_header(headers, SIGNATURE_HEADER)?;
        let seconds: i64 = timestamp
            .parse()
            .map_err(|_| WebhookError::BadSignature(format!("{TIMESTAMP_HEADER} is not a number of seconds")))?;
        check_signed_time(seconds, TOLERANCE)
            .map_err(|why| WebhookError::BadSignature(format!("the Slack request is refused as a replay: {why}")))?;
        let Some(hex) = signature.strip_prefix("v0=") else {
            return Err(WebhookError::BadSignature(format!("{SIGNATURE_HEADER} is not `v0=<hex>`")));
        };
        let secret = webhook.secret.expose_secret().as_bytes();
        if verify_hmac_sha256_hex(secret, &base_string(timestamp, body), hex) {
            Ok(Verified::signature_checked())
        } else {
            Err(WebhookError::BadSignature(format!(
                "{SIGNATURE_HEADER} does not match the body under this webhook's signing secret"
            )))
        }
    }

    /// The Events API's `event_id`, the same on Slack's retries.
    fn delivery_id(&self, _headers: &HeaderMap, delivery: &Delivery) -> Option<String> {
        delivery.payload["event_id"].as_str().map(|id| format!("slack:{id}"))
    }

    fn parse(&self, _webhook: &Webhook, _headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let bad = |reason: String| WebhookError::BadPayload(reason);
        let payload: Value =
            serde_json::from_slice(body).map_err(|error| bad(format!("the Slack request is not JSON: {error}")))?;
        let outer = payload["type"].as_str().filter(|t| is_type_name(t)).ok_or_else(|| {
            bad("the Slack request has no `type` such as `event_callback` or `url_verification`".into())
        })?;
        let event = if outer == "event_callback" {
            let inner = payload["event"]["type"]
                .as_str()
                .filter(|t| is_type_name(t))
                .ok_or_else(|| bad("the Slack event has no `event.type`".into()))?;
            format!("{outer}.{inner}")
        } else {
            outer.to_owned()
        };
        Ok(Delivery { event, payload })
    }

    /// `url_verification` is answered with its `challenge`, as plain text, and
    /// runs nothing.
    fn answer(&self, _webhook: &Webhook, delivery: &Delivery) -> Answer {
        match (delivery.event.as_str(), delivery.payload["challenge"].as_str()) {
            ("url_verification", Some(challenge)) => Answer::reply_instead(WebhookReply::text(challenge)),
            _ => Answer::run_triggers(),
        }
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

/// The headers Slack sends with `body`, signed with `secret` at `at`.
fn headers(secret: &str, body: &[u8], at: SystemTime) -> HeaderMap {
    let timestamp = unix_seconds(at).to_string();
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    put(TIMESTAMP_HEADER, &timestamp);
    put(SIGNATURE_HEADER, &slack_signature(secret, &timestamp, body));
    put("content-type", "application/json");
    put("user-agent", "Slackbot 1.0 (+https://api.slack.com/robots)");
    headers
}

/// Slack's type names: lowercase letters, digits and `_`.
fn is_type_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook(secret: &str) -> Webhook {
        let mut webhook = Webhook::new("slack", "alice", WebhookKind::Manual, "", Vec::new(), None);
        webhook.secret = secret.to_owned().into();
        webhook
    }

    /// Slack's "Verifying requests from Slack" example: a slash command body.
    const DOC_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const DOC_TIMESTAMP: &str = "1531420618";
    const DOC_BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const DOC_SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    #[test]
    fn computes_slacks_documented_signature() {
        assert_eq!(slack_signature(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY.as_bytes()), DOC_SIGNATURE);
    }

    #[test]
    fn the_documented_request_is_refused_today_as_a_replay_but_its_signature_checks() {
        let mut headers = HeaderMap::new();
        headers.insert(TIMESTAMP_HEADER, HeaderValue::from_static(DOC_TIMESTAMP));
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_static(DOC_SIGNATURE));
        let error = SlackWebhookManager.verify(&webhook(DOC_SECRET), &headers, DOC_BODY.as_bytes()).expect_err("2018");
        assert!(error.to_string().contains("replay"), "{error}");
        // The same body signed now with the documented secret passes.
        let now = unix_seconds(SystemTime::now()).to_string();
        headers.insert(TIMESTAMP_HEADER, HeaderValue::from_str(&now).expect("digits"));
        let signature = slack_signature(DOC_SECRET, &now, DOC_BODY.as_bytes());
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(&signature).expect("hex"));
        assert!(SlackWebhookManager.verify(&webhook(DOC_SECRET), &headers, DOC_BODY.as_bytes()).is_ok());
    }

    #[test]
    fn refuses_missing_repeated_or_malformed_headers_without_showing_the_secret() {
        let body = br#"{"type":"event_callback"}"#;
        let good = headers(DOC_SECRET, body, SystemTime::now());
        let mut cases = Vec::new();
        for name in [TIMESTAMP_HEADER, SIGNATURE_HEADER] {
            let mut missing = good.clone();
            missing.remove(name);
            cases.push((format!("no {name}"), missing));
            let mut repeated = good.clone();
            repeated.append(name, good.get(name).expect("signed").clone());
            cases.push((format!("two {name}"), repeated));
        }
        let mut unprefixed = good.clone();
        let hex = good[SIGNATURE_HEADER].to_str().expect("ascii").trim_start_matches("v0=").to_owned();
        unprefixed.insert(SIGNATURE_HEADER, HeaderValue::from_str(&hex).expect("hex"));
        cases.push(("no v0= prefix".into(), unprefixed));
        let mut wordy = good.clone();
        wordy.insert(TIMESTAMP_HEADER, HeaderValue::from_static("yesterday"));
        cases.push(("a timestamp that is no number".into(), wordy));
        for (case, headers) in cases {
            let error = SlackWebhookManager.verify(&webhook(DOC_SECRET), &headers, body).expect_err(&case);
            assert!(matches!(error, WebhookError::BadSignature(_)), "{case}: {error}");
            assert!(!error.to_string().contains(DOC_SECRET), "{case}: the secret leaks");
        }
    }

    #[test]
    fn event_types_name_the_inner_event_of_a_callback() {
        let parse = |payload: Value| {
            SlackWebhookManager.parse(&webhook("s"), &HeaderMap::new(), payload.to_string().as_bytes())
        };
        let mention = json!({"type": "event_callback", "event": {"type": "app_mention", "text": "hi"}});
        assert_eq!(parse(mention).expect("parsed").event, "event_callback.app_mention");
        let handshake = json!({"type": "url_verification", "challenge": "abc", "token": "t"});
        assert_eq!(parse(handshake).expect("parsed").event, "url_verification");
        assert!(parse(json!({"type": "event_callback", "event": {}})).is_err());
        assert!(parse(json!({"type": "Event Callback"})).is_err());
        assert!(SlackWebhookManager.parse(&webhook("s"), &HeaderMap::new(), b"token=abc").is_err());
    }
}
