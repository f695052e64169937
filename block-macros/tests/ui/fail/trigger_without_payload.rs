use block_core::prelude::*;
use block_core::webhooks::{Delivery, Verified, Webhook, WebhookError, WebhookKind, WebhookManager};
use block_core::http::HeaderMap;

/// Manual hooks without signatures.
#[derive(Default)]
pub struct Hooks;

#[block_core::async_trait]
impl WebhookManager for Hooks {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Manual
    }
    fn verify(&self, _: &Webhook, _: &HeaderMap, _: &[u8]) -> Result<Verified, WebhookError> {
        Ok(Verified::provider_sends_no_signature())
    }
    fn parse(&self, _: &Webhook, _: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        Ok(Delivery { event: "ping".into(), payload: block_core::serde_json::from_slice(body).unwrap_or_default() })
    }
    fn sign_delivery(&self, _: &Webhook, _: &str, _: &[u8]) -> HeaderMap {
        HeaderMap::new()
    }
}

/// A service with webhooks.
#[provider(name = "pinger", api_key, webhooks(manual, manager = Hooks))]
pub struct Pinger;

/// Inputs without the payload a trigger needs.
#[derive(BlockInput)]
pub struct In {
    /// A label.
    pub label: String,
}

/// Outputs.
#[derive(BlockOutput)]
pub enum Out {
    /// The label.
    Label(String),
}

/// Runs on pings.
#[block(id = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", categories(Input), trigger(provider = Pinger, events = ["ping"]), untested = "does not build")]
pub struct PingTriggerBlock;

impl Run for PingTriggerBlock {
    type Input = In;
    type Output = Out;
    async fn run(&self, input: In, _ctx: &RunContext, out: &Emit<Out>) -> Result<(), BlockError> {
        out.emit(Out::Label(input.label)).await
    }
}

fn main() {}
