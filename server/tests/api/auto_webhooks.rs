//! An auto-setup webhook: registered at the provider when the first trigger
//! subscribes, reused by the next, deregistered with the last.

use block_core::credentials::StoredCredentials;
use block_core::http::{Exchange, HeaderMap, HeaderValue, HttpClient};
use block_core::prelude::*;
use block_core::webhooks::{
    Delivery, Verified, Webhook, WebhookError, WebhookKind, WebhookManager, hmac_sha256_hex, verify_hmac_sha256_hex,
};
use serde_json::json;

use crate::support::{TestServer, header_pairs};

/// Hooks registered through an API, signed with HMAC-SHA256 of the body.
#[derive(Debug, Default)]
pub struct AutoHooksManager;

const HOOKS_API: &str = "https://api.autohooks.test/repos";

fn api_key(credentials: &StoredCredentials) -> Result<&SecretString, WebhookError> {
    match credentials {
        StoredCredentials::ApiKey(key) => Ok(&key.api_key),
        _ => Err(WebhookError::Invalid("auto hooks are registered with an API key".into())),
    }
}

#[block_core::async_trait]
impl WebhookManager for AutoHooksManager {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Auto
    }

    fn verify(&self, webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Verified, WebhookError> {
        let signature = headers.get("x-hook-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if verify_hmac_sha256_hex(webhook.secret.expose_secret().as_bytes(), body, signature) {
            Ok(Verified::signature_checked())
        } else {
            Err(WebhookError::BadSignature("the signature does not match".into()))
        }
    }

    fn parse(&self, _webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let event = headers.get("x-hook-event").and_then(|v| v.to_str().ok()).unwrap_or("push").to_owned();
        let payload = serde_json::from_slice(body).map_err(|e| WebhookError::BadPayload(e.to_string()))?;
        Ok(Delivery { event, payload })
    }

    fn sign_delivery(&self, webhook: &Webhook, event: &str, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let signature = hmac_sha256_hex(webhook.secret.expose_secret().as_bytes(), body);
        headers.insert("x-hook-signature", HeaderValue::from_str(&signature).expect("hex"));
        headers.insert("x-hook-event", HeaderValue::from_str(event).expect("ascii"));
        headers
    }

    async fn register(
        &self,
        http: &HttpClient,
        credentials: &StoredCredentials,
        webhook: &Webhook,
        url: &str,
    ) -> Result<String, WebhookError> {
        let created: Value = http
            .post(format!("{HOOKS_API}/{}/hooks", webhook.resource))
            .bearer_auth(api_key(credentials)?)
            .json(&json!({"url": url, "events": webhook.events}))
            .send()
            .await?
            .error_for_status()?
            .json()?;
        Ok(created["id"].as_str().unwrap_or_default().to_owned())
    }

    async fn deregister(
        &self,
        http: &HttpClient,
        credentials: &StoredCredentials,
        resource: &str,
        remote_id: &str,
    ) -> Result<(), WebhookError> {
        http.delete(format!("{HOOKS_API}/{resource}/hooks/{remote_id}"))
            .bearer_auth(api_key(credentials)?)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }
}

/// A service whose hooks the server registers itself.
#[provider(name = "autohooks", display_name = "Auto hooks", api_key, webhooks(auto, manager = AutoHooksManager))]
pub struct AutoHooks;

/// Inputs of [`PushTriggerBlock`].
#[derive(BlockInput)]
pub struct PushTriggerInput {
    /// The delivered event.
    #[block_input(hidden)]
    pub payload: Value,
    /// The key that registers the hook.
    pub credentials: Credentials<AutoHooks, ApiKey>,
}

/// Outputs of [`PushTriggerBlock`].
#[derive(BlockOutput)]
pub enum PushTriggerOutput {
    /// The pushed commit.
    Commit(Value),
}

/// Runs on every push.
#[block(
    id = "5a7e2a53-6c43-4b55-9d0e-3f7d9d2c8a11",
    categories(Input),
    trigger(provider = AutoHooks, events = ["push"]),
    untested = "server tests"
)]
pub struct PushTriggerBlock;

impl Run for PushTriggerBlock {
    type Input = PushTriggerInput;
    type Output = PushTriggerOutput;

    async fn run(
        &self,
        input: PushTriggerInput,
        _ctx: &RunContext,
        out: &Emit<PushTriggerOutput>,
    ) -> Result<(), BlockError> {
        out.emit(PushTriggerOutput::Commit(input.payload["commit"].clone())).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auto_webhook_is_registered_reused_delivered_to_and_deregistered() {
    let server = TestServer::start("auto-webhooks").await;
    let client = server.client();
    let created = client
        .post(
            "/external-api/v1/integrations/autohooks/credentials",
            &json!({"type": "api_key", "api_key": "hooks-key"}),
        )
        .await;
    let meta = created.expect(201).json();
    server.mock.push(
        Exchange::post(&format!("{HOOKS_API}/ada/site/hooks"))
            .header("authorization", "Bearer hooks-key")
            .body_matches(|body| {
                serde_json::from_slice::<Value>(body).is_ok_and(|b| {
                    b["url"].as_str().is_some_and(|url| url.contains("/api/integrations/autohooks/webhooks/"))
                        && b["events"] == json!(["push"])
                })
            })
            .respond_json(201, json!({"id": "remote-7"})),
    );
    let trigger = json!({"block_id": "PushTriggerBlock", "input": {"credentials": meta}, "resource": "ada/site"});
    let first = client.post("/external-api/v1/triggers", &trigger).await;
    let first = first.expect(201).json();
    assert_eq!(first["webhook"]["kind"], "auto");
    assert!(first["webhook"].get("secret").is_none(), "an auto webhook's secret stays with the server");
    let second = client.post("/external-api/v1/triggers", &trigger).await;
    assert_eq!(second.expect(201).json()["webhook_id"], first["webhook_id"], "reused, not registered again");
    server.mock.verify().expect("registered once");

    let webhook_id = first["webhook_id"].as_str().expect("an id");
    let stored = server.state.webhook_store().as_ref();
    let webhook = block_core::webhooks::WebhookStore::webhook(stored, webhook_id).await.expect("store").expect("kept");
    assert_eq!(webhook.remote_id.as_deref(), Some("remote-7"));
    let body = json!({"commit": "abc123"}).to_string();
    let signed = AutoHooksManager.sign_delivery(&webhook, "push", body.as_bytes());
    let ingress = format!("/api/integrations/autohooks/webhooks/{webhook_id}/ingress");
    let delivered = client.with_key(None).send_raw("POST", &ingress, None, body, &header_pairs(&signed)).await;
    assert_eq!(delivered.expect(200).json(), json!({"received": true, "queued": 2}));

    server.mock.push(Exchange::delete(&format!("{HOOKS_API}/ada/site/hooks/remote-7")).respond(204));
    for subscription in [&first["id"], &second.json()["id"]] {
        let id = subscription.as_str().expect("an id");
        client.delete(&format!("/external-api/v1/triggers/{id}")).await.expect(200);
    }
    server.mock.verify().expect("deregistered with the last subscription");
    assert_eq!(client.get("/external-api/v1/webhooks").await.expect(200).json(), json!([]));
}
