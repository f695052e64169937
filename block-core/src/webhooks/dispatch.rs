//! A delivery's way in: find the webhook, verify, parse, run the subscribed
//! triggers of its owner.

use std::sync::Arc;

use http::HeaderMap;
use serde_json::Value;

use super::lifecycle::manager;
use super::{WebhookError, WebhookStore};
use crate::executor::OutputEvent;
use crate::registry::{RegisteredBlock, Registry};
use crate::{Executor, Outputs, RunOptions};

/// Why a delivery was refused. Unknown webhooks and webhooks of another provider
/// get the same [`DispatchError::NotFound`], so ids cannot be probed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// No such webhook for this provider.
    #[error("webhook not found")]
    NotFound,
    /// The body is over the limit; nothing was read further.
    #[error("the delivery is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The signature check failed; nothing was parsed and nothing ran.
    #[error("{0}")]
    BadSignature(String),
    /// The verified delivery could not be parsed; nothing ran.
    #[error("{0}")]
    BadPayload(String),
    /// The store failed.
    #[error("{0}")]
    Store(String),
}

/// One trigger run caused by a delivery.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TriggerRun {
    /// The subscription that ran.
    pub subscription_id: String,
    /// The trigger block's name.
    pub block: &'static str,
    /// The delivery's event type.
    pub event: String,
    /// What the run emitted, in order (an `error` if it could not start).
    pub events: Vec<OutputEvent>,
    /// Whether the block started (false: the gate refused it, or the executor
    /// did; `events` then holds the reason as its `error`).
    pub started: bool,
    /// What the [`TriggerGate`] said when it let the run go (e.g. the id of the
    /// execution it charged).
    pub admission: Option<String>,
}

/// Asked before each trigger run a delivery causes: a server charges the run's
/// cost here, and refuses it when the owner cannot pay.
#[async_trait::async_trait]
pub trait TriggerGate: Send + Sync {
    /// `Ok(admission)` lets the run go (`admission` comes back in
    /// [`TriggerRun::admission`]); `Err(reason)` skips it, and `reason` becomes the
    /// run's `error` output. `input` is the run's whole input, payload included.
    async fn admit(&self, owner: &str, block: &RegisteredBlock, input: &Value) -> Result<Option<String>, String>;
}

impl TriggerRun {
    /// The outputs grouped by pin: `{pin: [values]}`.
    pub fn outputs(&self) -> Outputs {
        Outputs::from_events(self.events.iter().cloned())
    }
}

/// Takes deliveries through verify -> parse -> dispatch.
pub struct Dispatcher<'a> {
    registry: &'a Registry,
    store: Arc<dyn WebhookStore>,
    executor: Executor,
    max_body_bytes: usize,
    gate: Option<&'a dyn TriggerGate>,
}

impl<'a> Dispatcher<'a> {
    /// A dispatcher running triggers of `registry` with `executor`; deliveries are
    /// capped at 1 MiB unless [`with_max_body_bytes`](Self::with_max_body_bytes) says
    /// otherwise (GitHub caps its payloads at 25 MB; set that for GitHub).
    pub fn new(registry: &'a Registry, store: Arc<dyn WebhookStore>, executor: Executor) -> Self {
        Dispatcher { registry, store, executor, max_body_bytes: 1 << 20, gate: None }
    }

    /// Asks `gate` before each trigger run.
    pub fn with_gate(mut self, gate: &'a dyn TriggerGate) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Sets the body size limit.
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Handles one delivery to `provider`'s webhook `webhook_id`.
    pub async fn dispatch(
        &self,
        provider: &str,
        webhook_id: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<TriggerRun>, DispatchError> {
        if body.len() > self.max_body_bytes {
            return Err(DispatchError::TooLarge { limit: self.max_body_bytes });
        }
        // The provider comes from the URL; a webhook of another provider is "not found",
        // never verified with the wrong manager.
        let manager = manager(self.registry, provider).map_err(|_| DispatchError::NotFound)?;
        let webhook = self.store.webhook(webhook_id).await.map_err(store_error)?;
        let webhook = webhook.filter(|w| w.provider == provider).ok_or(DispatchError::NotFound)?;
        manager.verify(&webhook, headers, body).map_err(|e| DispatchError::BadSignature(e.to_string()))?;
        let delivery = manager.parse(&webhook, headers, body).map_err(|e| DispatchError::BadPayload(e.to_string()))?;
        let mut runs = Vec::new();
        for subscription in self.store.subscriptions(&webhook.id).await.map_err(store_error)? {
            // Defence in depth: a subscription can only run for the webhook's owner.
            if subscription.owner != webhook.owner || !subscription.events.contains(&delivery.event) {
                continue;
            }
            let Some(block) = self.registry.by_id(&subscription.block_id) else { continue };
            if block.descriptor().trigger.is_none() {
                continue;
            }
            let mut input = match &subscription.input {
                Value::Object(fields) => fields.clone(),
                _ => serde_json::Map::new(),
            };
            input.insert("payload".into(), delivery.payload.clone());
            let input = Value::Object(input);
            let mut run = TriggerRun {
                subscription_id: subscription.id,
                block: block.name(),
                event: delivery.event.clone(),
                events: Vec::new(),
                started: false,
                admission: None,
            };
            if let Some(gate) = self.gate {
                match gate.admit(&webhook.owner, block, &input).await {
                    Ok(admission) => run.admission = admission,
                    Err(reason) => {
                        run.events.push(OutputEvent::error(reason));
                        runs.push(run);
                        continue;
                    }
                }
            }
            match self.executor.execute(block, input, RunOptions::for_user(webhook.owner.clone())).await {
                Ok(mut execution) => {
                    run.started = true;
                    while let Some(event) = execution.next_event().await {
                        run.events.push(event);
                    }
                }
                Err(error) => run.events.push(OutputEvent::error(error.to_string())),
            }
            runs.push(run);
        }
        Ok(runs)
    }
}

fn store_error(error: WebhookError) -> DispatchError {
    DispatchError::Store(error.to_string())
}
