//! What verification and the answer see beyond headers and body: the public URL a
//! delivery was sent to, the signed time, and a reply for the provider.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use block_core::http::StatusCode;
use block_core::prelude::*;
use block_core::webhooks::{
    DispatchError, Dispatcher, InMemoryWebhookStore, Webhook, WebhookKind, WebhookReply, WebhookStore, ingress_path,
};
use block_core::{Executor, Registry};

use super::stamp::{StampTriggerBlock, stamp_headers};

const BASE_URL: &str = "https://blocks.test";

struct Setup {
    registry: Registry,
    store: Arc<InMemoryWebhookStore>,
    hook: Webhook,
    url: String,
}

async fn setup() -> Setup {
    let registry = Registry::builder().block::<StampTriggerBlock>().build().expect("valid");
    let store = Arc::new(InMemoryWebhookStore::new());
    let events = vec!["message.created".to_owned(), "message.twiml".to_owned(), "handshake".to_owned()];
    let mut hook = Webhook::new("stamp", "alice", WebhookKind::Manual, "", events.clone(), None);
    hook.secret = SecretString::from("whsec_test");
    store.put_webhook(hook.clone()).await.expect("stored");
    store
        .put_subscription(block_core::webhooks::Subscription {
            id: "s-1".into(),
            webhook_id: hook.id.clone(),
            owner: "alice".into(),
            block_id: StampTriggerBlock::DESCRIPTOR.id.into(),
            events,
            input: json!({}),
            graph: None,
        })
        .await
        .expect("stored");
    let url = format!("{BASE_URL}{}", ingress_path("stamp", &hook.id));
    Setup { registry, store, hook, url }
}

fn signed(setup: &Setup, event: &str, body: &[u8]) -> block_core::http::HeaderMap {
    stamp_headers("whsec_test", &setup.url, event, body, SystemTime::now())
}

#[tokio::test]
async fn the_public_url_reaches_verification_and_a_missing_or_other_one_fails_it() {
    let setup = setup().await;
    let body = br#"{"n": 1}"#;
    let headers = signed(&setup, "message.created", body);
    let dispatcher = |base: Option<&str>| {
        let dispatcher = Dispatcher::new(&setup.registry, setup.store.clone(), Executor::new());
        match base {
            Some(base) => dispatcher.with_public_url(base),
            None => dispatcher,
        }
    };

    let received = dispatcher(Some("https://blocks.test/")).receive("stamp", &setup.hook.id, &headers, body).await;
    assert_eq!(received.expect("accepted").runs.len(), 1, "a trailing / on the base URL does not matter");
    let unknown = dispatcher(None).receive("stamp", &setup.hook.id, &headers, body).await;
    assert!(matches!(unknown, Err(DispatchError::BadSignature(ref m)) if m.contains("public URL")), "{unknown:?}");
    let other = dispatcher(Some("https://elsewhere.test")).receive("stamp", &setup.hook.id, &headers, body).await;
    assert!(matches!(other, Err(DispatchError::BadSignature(_))), "{other:?}");
}

#[tokio::test]
async fn a_delivery_signed_outside_the_tolerance_is_refused_as_a_replay() {
    let setup = setup().await;
    let body = br#"{"n": 1}"#;
    let dispatcher = Dispatcher::new(&setup.registry, setup.store.clone(), Executor::new()).with_public_url(BASE_URL);
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let stale = stamp_headers("whsec_test", &setup.url, "message.created", body, hour_ago);
    let refused = dispatcher.receive("stamp", &setup.hook.id, &stale, body).await;
    assert!(matches!(refused, Err(DispatchError::BadSignature(ref m)) if m.contains("ago")), "{refused:?}");
}

#[tokio::test]
async fn a_handshake_is_answered_with_its_challenge_and_runs_nothing() {
    let setup = setup().await;
    let body = br#"{"challenge": "c-3eZbrw1aBm2r"}"#;
    let dispatcher = Dispatcher::new(&setup.registry, setup.store.clone(), Executor::new()).with_public_url(BASE_URL);
    let received =
        dispatcher.receive("stamp", &setup.hook.id, &signed(&setup, "handshake", body), body).await.expect("accepted");
    assert_eq!(received.event, "handshake");
    assert!(received.runs.is_empty(), "the subscription lists `handshake`, yet a reply instead runs nothing");
    let reply = received.reply.expect("a reply");
    assert_eq!((reply.status, reply.content_type.as_str()), (StatusCode::OK, "text/plain; charset=utf-8"));
    assert_eq!(reply.body_text(), "c-3eZbrw1aBm2r");
    // `dispatch` keeps its old answer: the runs only.
    let runs = dispatcher.dispatch("stamp", &setup.hook.id, &signed(&setup, "handshake", body), body).await;
    assert!(runs.expect("accepted").is_empty());
}

#[tokio::test]
async fn a_reply_can_go_with_the_runs() {
    let setup = setup().await;
    let body = br#"{"n": 2}"#;
    let dispatcher = Dispatcher::new(&setup.registry, setup.store.clone(), Executor::new()).with_public_url(BASE_URL);
    let received = dispatcher
        .receive("stamp", &setup.hook.id, &signed(&setup, "message.twiml", body), body)
        .await
        .expect("accepted");
    assert_eq!(received.runs.len(), 1);
    assert_eq!(received.runs[0].outputs().to_json(), json!({"payload": [{"n": 2}]}));
    assert_eq!(received.reply, Some(WebhookReply::new(StatusCode::OK, "text/xml", "<Response></Response>")));
}
