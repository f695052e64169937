//! Trigger cases of the test harness: expected replies, and each way a delivery
//! can be spoiled (tampered, unsigned, replayed, signed with another secret),
//! which must be refused; a refusal the provider's scheme cannot make fails the
//! case.

use block_core::http::{HeaderMap, HeaderValue, StatusCode};
use block_core::prelude::*;
use block_core::testing::run_cases;
use block_core::webhooks::{Delivery, Verified, Webhook, WebhookError, WebhookKind, WebhookManager, WebhookReply};

use super::stamp::{StampInput, StampOutput, StampTriggerBlock};

fn stamp() -> StampInput {
    StampInput { payload: Value::Null }
}

#[test]
fn trigger_cases_expect_replies_and_every_kind_of_refusal() {
    let message = json!({"text": "hi"});
    let cases = vec![
        TestCase::delivery("runs on a message", stamp(), "message.created", message.clone())
            .output(StampOutput::Payload(message.clone())),
        TestCase::delivery("answers the handshake", stamp(), "handshake", json!({"challenge": "c-123"}))
            .replies(WebhookReply::text("c-123")),
        TestCase::delivery("replies and runs", stamp(), "message.twiml", message.clone())
            .replies(WebhookReply::new(StatusCode::OK, "text/xml", "<Response></Response>"))
            .output(StampOutput::Payload(message.clone())),
        TestCase::delivery("refuses a tampered body", stamp(), "message.created", message.clone()).tampered(),
        TestCase::delivery("refuses an unsigned delivery", stamp(), "message.created", message.clone()).unsigned(),
        TestCase::delivery("refuses a replay", stamp(), "message.created", message.clone()).replayed(),
        TestCase::delivery("refuses another secret", stamp(), "message.created", message).signed_with_another_secret(),
    ];
    assert_eq!(run_cases::<StampTriggerBlock>(cases).expect("all pass"), 7);
}

#[test]
fn a_wrong_reply_fails_the_case_showing_both() {
    let cases = vec![
        TestCase::delivery("expects another challenge", stamp(), "handshake", json!({"challenge": "c-123"}))
            .replies(WebhookReply::text("c-999")),
    ];
    let failure = run_cases::<StampTriggerBlock>(cases).expect_err("wrong reply").to_string();
    assert!(failure.contains("\"c-999\"") && failure.contains("\"c-123\""), "{failure}");
}

/// Checks a header token only: the body is not signed and no time is.
#[derive(Default)]
pub struct TokenOnlyManager;

#[block_core::async_trait]
impl WebhookManager for TokenOnlyManager {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Manual
    }

    fn verify(&self, webhook: &Webhook, headers: &HeaderMap, _body: &[u8]) -> Result<Verified, WebhookError> {
        let token = headers.get("x-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if token == webhook.secret.expose_secret() {
            Ok(Verified::signature_checked())
        } else {
            Err(WebhookError::BadSignature("wrong token".into()))
        }
    }

    fn parse(&self, _webhook: &Webhook, _headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let payload = serde_json::from_slice(body).map_err(|e| WebhookError::BadPayload(e.to_string()))?;
        Ok(Delivery { event: "note".into(), payload })
    }

    fn sign_delivery(&self, webhook: &Webhook, _event: &str, _body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-token", HeaderValue::from_str(webhook.secret.expose_secret()).expect("token"));
        headers
    }
}

/// A service that checks a token only.
#[provider(name = "tokenonly", api_key, webhooks(manual, manager = TokenOnlyManager))]
pub struct TokenOnly;

/// Runs on notes.
#[block(
    id = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
    categories(Input),
    trigger(provider = TokenOnly, events = ["note"]),
    untested = "cases are in this file"
)]
pub struct NoteTriggerBlock;

impl Run for NoteTriggerBlock {
    type Input = StampInput;
    type Output = StampOutput;
    async fn run(&self, input: StampInput, _ctx: &RunContext, out: &Emit<StampOutput>) -> Result<(), BlockError> {
        out.emit(StampOutput::Payload(input.payload)).await
    }
}

#[test]
fn a_refusal_the_scheme_cannot_make_fails_the_case() {
    let note = json!({"n": 1});
    let fine = vec![
        TestCase::delivery("runs", stamp(), "note", note.clone()).output(StampOutput::Payload(note.clone())),
        TestCase::delivery("refuses no token", stamp(), "note", note.clone()).unsigned(),
        TestCase::delivery("refuses another token", stamp(), "note", note.clone()).signed_with_another_secret(),
    ];
    assert_eq!(run_cases::<NoteTriggerBlock>(fine).expect("a token is checked"), 3);

    let tampered = vec![TestCase::delivery("tampered", stamp(), "note", note.clone()).tampered()];
    let failure = run_cases::<NoteTriggerBlock>(tampered).expect_err("the body is not signed").to_string();
    assert!(failure.contains("the tampered delivery was accepted and ran 1 trigger(s)"), "{failure}");

    let replayed = vec![TestCase::delivery("replayed", stamp(), "note", note).replayed()];
    let failure = run_cases::<NoteTriggerBlock>(replayed).expect_err("no time is signed").to_string();
    assert!(failure.contains("carry no signed time"), "{failure}");
}
