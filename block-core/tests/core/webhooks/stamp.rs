//! A manual provider that issues its own secret and signs the time, the URL and
//! the body (`x-stamp: t=<seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<url>.<body>")>`),
//! answers its `handshake` with the challenge and its `message.twiml` events with a
//! reply besides the runs; and a block triggered by it.

use std::time::{Duration, SystemTime};

use block_core::http::{HeaderMap, HeaderValue};
use block_core::prelude::*;
use block_core::webhooks::{
    Answer, Delivery, DeliveryDraft, IngressRequest, SecretSource, SignedDelivery, Verified, Webhook, WebhookError,
    WebhookKind, WebhookManager, WebhookReply, check_signed_time, hmac_sha256_hex, unix_seconds,
    verify_hmac_sha256_hex,
};

/// What the provider calls its secret.
pub const WHAT: &str = "the Signing Secret on your Stamp app's settings page";

/// Signs `"<t>.<url>.<body>"`.
#[derive(Default)]
pub struct StampManager;

fn signed_text(timestamp: &str, url: &str, body: &[u8]) -> Vec<u8> {
    let mut text = format!("{timestamp}.{url}.").into_bytes();
    text.extend_from_slice(body);
    text
}

/// The headers a Stamp delivery of `body` to `url` carries, signed with `secret` at `at`.
pub fn stamp_headers(secret: &str, url: &str, event: &str, body: &[u8], at: SystemTime) -> HeaderMap {
    let timestamp = unix_seconds(at).to_string();
    let signature = hmac_sha256_hex(secret.as_bytes(), &signed_text(&timestamp, url, body));
    let mut headers = HeaderMap::new();
    headers.insert("x-stamp", HeaderValue::from_str(&format!("t={timestamp},v1={signature}")).expect("ascii"));
    headers.insert("x-stamp-event", HeaderValue::from_str(event).expect("ascii"));
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers
}

#[block_core::async_trait]
impl WebhookManager for StampManager {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Manual
    }

    fn secret_source(&self) -> SecretSource {
        SecretSource::Provider { what: WHAT }
    }

    fn tolerance(&self) -> Option<Duration> {
        Some(Duration::from_secs(300))
    }

    fn verify(&self, _webhook: &Webhook, _headers: &HeaderMap, _body: &[u8]) -> Result<Verified, WebhookError> {
        Err(WebhookError::BadSignature("Stamp signs the URL; it is unknown here".into()))
    }

    fn verify_request(&self, webhook: &Webhook, request: &IngressRequest<'_>) -> Result<Verified, WebhookError> {
        let bad = |why: &str| Err(WebhookError::BadSignature(why.to_owned()));
        let Some(url) = request.url else { return bad("the public URL is unknown") };
        let Some(header) = request.headers.get("x-stamp").and_then(|v| v.to_str().ok()) else {
            return bad("x-stamp is missing");
        };
        let Some((timestamp, signature)) = header.strip_prefix("t=").and_then(|rest| rest.split_once(",v1=")) else {
            return bad("x-stamp is not t=..,v1=..");
        };
        let Ok(seconds) = timestamp.parse::<i64>() else { return bad("the time is not a number") };
        check_signed_time(seconds, Duration::from_secs(300)).map_err(WebhookError::BadSignature)?;
        let secret = webhook.secret.expose_secret().as_bytes();
        if verify_hmac_sha256_hex(secret, &signed_text(timestamp, url, request.body), signature) {
            Ok(Verified::signature_checked())
        } else {
            bad("the signature does not match")
        }
    }

    fn parse(&self, _webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let event = headers.get("x-stamp-event").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let payload = serde_json::from_slice(body).map_err(|e| WebhookError::BadPayload(e.to_string()))?;
        Ok(Delivery { event, payload })
    }

    fn answer(&self, _webhook: &Webhook, delivery: &Delivery) -> Answer {
        match delivery.event.as_str() {
            "handshake" => {
                Answer::reply_instead(WebhookReply::text(delivery.payload["challenge"].as_str().unwrap_or_default()))
            }
            "message.twiml" => Answer::reply_and_run(WebhookReply::new(
                block_core::http::StatusCode::OK,
                "text/xml",
                "<Response></Response>",
            )),
            _ => Answer::run_triggers(),
        }
    }

    fn sign_delivery(&self, webhook: &Webhook, event: &str, body: &[u8]) -> HeaderMap {
        stamp_headers(webhook.secret.expose_secret(), "", event, body, SystemTime::now())
    }

    fn sign_request(&self, webhook: &Webhook, draft: &DeliveryDraft<'_>) -> Result<SignedDelivery, WebhookError> {
        let body = serde_json::to_vec(draft.payload).map_err(|e| WebhookError::BadPayload(e.to_string()))?;
        let headers = stamp_headers(webhook.secret.expose_secret(), draft.url, draft.event, &body, draft.signed_at);
        Ok(SignedDelivery { headers, body })
    }
}

/// The Stamp service.
#[provider(name = "stamp", api_key, webhooks(manual, manager = StampManager))]
pub struct Stamp;

/// Input of the Stamp trigger.
#[derive(BlockInput)]
pub struct StampInput {
    /// The delivered event.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of the Stamp trigger.
#[derive(BlockOutput)]
pub enum StampOutput {
    /// The payload.
    Payload(Value),
}

/// Runs on Stamp messages.
#[block(
    id = "6f1d2c3b-4a5e-4f60-8b7c-9d0e1f2a3b4c",
    categories(Input),
    trigger(provider = Stamp, events = ["message.created", "message.twiml", "handshake"]),
    untested = "cases are in the webhook tests"
)]
pub struct StampTriggerBlock;

impl Run for StampTriggerBlock {
    type Input = StampInput;
    type Output = StampOutput;
    async fn run(&self, input: StampInput, _ctx: &RunContext, out: &Emit<StampOutput>) -> Result<(), BlockError> {
        out.emit(StampOutput::Payload(input.payload)).await
    }
}
