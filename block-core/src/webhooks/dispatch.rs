//! A delivery's way in: find the webhook, verify, parse, run the subscribed
//! triggers of its owner.

use std::sync::Arc;

use http::HeaderMap;
use secrecy::ExposeSecret;
use serde_json::Value;

use super::lifecycle::{ingress_path, manager_of};
use super::{IngressRequest, WebhookError, WebhookReply, WebhookStore};
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

/// What became of a delivery the dispatcher accepted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Received {
    /// The delivery's event type.
    pub event: String,
    /// The trigger runs it caused, in subscription order.
    pub runs: Vec<TriggerRun>,
    /// The answer the manager asks the ingress to send in place of the server's
    /// own (Slack's `url_verification` challenge, Twilio's TwiML); `None` for the
    /// usual "received".
    pub reply: Option<WebhookReply>,
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
    public_url: Option<String>,
}

impl<'a> Dispatcher<'a> {
    /// A dispatcher running triggers of `registry` with `executor`; deliveries are
    /// capped at 1 MiB unless [`with_max_body_bytes`](Self::with_max_body_bytes) says
    /// otherwise (GitHub caps its payloads at 25 MB; set that for GitHub).
    pub fn new(registry: &'a Registry, store: Arc<dyn WebhookStore>, executor: Executor) -> Self {
        Dispatcher { registry, store, executor, max_body_bytes: 1 << 20, gate: None, public_url: None }
    }

    /// Tells managers the public URL deliveries are sent to: `base_url` (the
    /// server's public base URL, as given to [`Webhooks`](super::Webhooks)) followed
    /// by [`ingress_path`]. Providers that sign the URL (Twilio) refuse every
    /// delivery without it.
    pub fn with_public_url(mut self, base_url: &str) -> Self {
        self.public_url = Some(base_url.trim_end_matches('/').to_owned());
        self
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

    /// Handles one delivery to `provider`'s webhook `webhook_id`; the trigger runs
    /// it caused. A manager's reply (see [`receive`](Self::receive)) is dropped:
    /// an ingress that answers providers calls `receive`.
    pub async fn dispatch(
        &self,
        provider: &str,
        webhook_id: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<TriggerRun>, DispatchError> {
        self.receive(provider, webhook_id, headers, body).await.map(|received| received.runs)
    }

    /// Handles one delivery to `provider`'s webhook `webhook_id`: verify (with the
    /// public URL, when known), parse, ask the manager how to answer, run the
    /// owner's subscribed triggers unless the answer is a reply instead. A webhook
    /// still waiting for the secret its provider issues refuses every delivery.
    pub async fn receive(
        &self,
        provider: &str,
        webhook_id: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Received, DispatchError> {
        if body.len() > self.max_body_bytes {
            return Err(DispatchError::TooLarge { limit: self.max_body_bytes });
        }
        // The provider comes from the URL; a webhook of another provider is "not found",
        // never verified with the wrong manager.
        let manager = manager_of(self.registry, provider).map_err(|_| DispatchError::NotFound)?;
        let webhook = self.store.webhook(webhook_id).await.map_err(store_error)?;
        let webhook = webhook.filter(|w| w.provider == provider).ok_or(DispatchError::NotFound)?;
        // An empty key would let anyone compute a valid HMAC.
        if webhook.secret.expose_secret().is_empty() {
            return Err(DispatchError::BadSignature(format!(
                "this webhook has no signing secret yet; set it to {}",
                manager.secret_source().describe()
            )));
        }
        let url = self.public_url.as_ref().map(|base| format!("{base}{}", ingress_path(provider, &webhook.id)));
        let request = IngressRequest::new(url.as_deref(), headers, body);
        manager.verify_request(&webhook, &request).map_err(|e| DispatchError::BadSignature(e.to_string()))?;
        let delivery = manager.parse(&webhook, headers, body).map_err(|e| DispatchError::BadPayload(e.to_string()))?;
        let answer = manager.answer(&webhook, &delivery);
        let mut runs = Vec::new();
        if answer.runs_triggers() {
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
                let run = TriggerRun {
                    subscription_id: subscription.id,
                    block: block.name(),
                    event: delivery.event.clone(),
                    events: Vec::new(),
                    started: false,
                    admission: None,
                };
                runs.push(self.run(&webhook.owner, block, Value::Object(input), run).await);
            }
        }
        Ok(Received { event: delivery.event, runs, reply: answer.into_reply() })
    }

    /// Runs one trigger, once the gate lets it.
    async fn run(&self, owner: &str, block: &RegisteredBlock, input: Value, mut run: TriggerRun) -> TriggerRun {
        if let Some(gate) = self.gate {
            match gate.admit(owner, block, &input).await {
                Ok(admission) => run.admission = admission,
                Err(reason) => {
                    run.events.push(OutputEvent::error(reason));
                    return run;
                }
            }
        }
        match self.executor.execute(block, input, RunOptions::for_user(owner.to_owned())).await {
            Ok(mut execution) => {
                run.started = true;
                while let Some(event) = execution.next_event().await {
                    run.events.push(event);
                }
            }
            Err(error) => run.events.push(OutputEvent::error(error.to_string())),
        }
        run
    }
}

fn store_error(error: WebhookError) -> DispatchError {
    DispatchError::Store(error.to_string())
}
