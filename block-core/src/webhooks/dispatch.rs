//! A delivery's way in: find the webhook, verify, parse, then either hand back
//! the trigger runs it asks for ([`Dispatcher::accept`], for a server that queues
//! them) or run them at once ([`Dispatcher::receive`], for an embedding service
//! or a test).

use std::sync::Arc;

use http::HeaderMap;
use secrecy::ExposeSecret;
use serde_json::Value;

use super::lifecycle::{ingress_path, manager_of};
use super::{GraphTarget, IngressRequest, WebhookError, WebhookReply, WebhookStore};
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

/// A delivery the dispatcher verified and parsed, and the trigger runs it asks
/// for (not run yet).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Accepted {
    /// The webhook's owner: every planned run is theirs.
    pub owner: String,
    /// The delivery's event type.
    pub event: String,
    /// The provider's id of the delivery, or `sha256:<hex>` of its body: the same
    /// on a redelivery, so a server can run nothing twice.
    pub delivery_id: String,
    /// The runs of the owner's subscribed triggers, in subscription order (none
    /// when the manager answers with a reply instead).
    pub triggers: Vec<PlannedTrigger>,
    /// The answer the manager asks the ingress to send in place of the usual one.
    pub reply: Option<WebhookReply>,
}

/// One trigger run a delivery asks for.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlannedTrigger {
    /// The subscription.
    pub subscription_id: String,
    /// The trigger block's id.
    pub block_id: &'static str,
    /// The trigger block's name.
    pub block: &'static str,
    /// The run's whole input: the subscription's, with the delivery's `payload`.
    pub input: Value,
    /// For the trigger node of a graph: the graph to run, its trigger node
    /// given `input`. [`Dispatcher::receive`] runs block triggers only; a
    /// server that keeps graphs queues these runs itself.
    pub graph: Option<GraphTarget>,
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
    max_body_bytes: Option<usize>,
    gate: Option<&'a dyn TriggerGate>,
    public_url: Option<String>,
}

impl<'a> Dispatcher<'a> {
    /// A dispatcher running triggers of `registry` with `executor`; deliveries are
    /// capped at 1 MiB unless [`with_max_body_bytes`](Self::with_max_body_bytes) says
    /// otherwise (GitHub caps its payloads at 25 MB; set that for GitHub).
    pub fn new(registry: &'a Registry, store: Arc<dyn WebhookStore>, executor: Executor) -> Self {
        Dispatcher { registry, store, executor, max_body_bytes: None, gate: None, public_url: None }
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

    /// Sets the body size limit for every provider (by default each manager's
    /// [`max_body_bytes`](super::WebhookManager::max_body_bytes)).
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = Some(limit);
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

    /// Handles one delivery to `provider`'s webhook `webhook_id` and runs the
    /// triggers it asks for at once ([`accept`](Self::accept), then each run,
    /// once the gate lets it).
    pub async fn receive(
        &self,
        provider: &str,
        webhook_id: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Received, DispatchError> {
        let accepted = self.accept(provider, webhook_id, headers, body).await?;
        let mut runs = Vec::with_capacity(accepted.triggers.len());
        for planned in accepted.triggers {
            let Some(block) = self.registry.by_id(planned.block_id) else { continue };
            let mut run = TriggerRun {
                subscription_id: planned.subscription_id,
                block: planned.block,
                event: accepted.event.clone(),
                events: Vec::new(),
                started: false,
                admission: None,
            };
            if let Some(graph) = &planned.graph {
                // Graphs live with the server that keeps them, not in this dispatcher.
                run.events.push(OutputEvent::error(format!(
                    "this subscription starts graph `{}` version {}: queue it from Dispatcher::accept's plan",
                    graph.graph_id, graph.graph_version
                )));
                runs.push(run);
                continue;
            }
            runs.push(self.run(&accepted.owner, block, planned.input, run).await);
        }
        Ok(Received { event: accepted.event, runs, reply: accepted.reply })
    }

    /// Takes one delivery to `provider`'s webhook `webhook_id`: refuse it unread
    /// past the provider's size limit, verify it (with the public URL, when known)
    /// BEFORE anything is parsed, parse it, ask the manager how to answer, and
    /// plan the runs of the owner's triggers subscribed to its event. Nothing runs.
    /// A webhook still waiting for the secret its provider issues refuses every
    /// delivery.
    pub async fn accept(
        &self,
        provider: &str,
        webhook_id: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Accepted, DispatchError> {
        // The provider comes from the URL; a webhook of another provider is "not found",
        // never verified with the wrong manager.
        let manager = manager_of(self.registry, provider).map_err(|_| DispatchError::NotFound)?;
        let limit = self.max_body_bytes.unwrap_or_else(|| manager.max_body_bytes());
        if body.len() > limit {
            return Err(DispatchError::TooLarge { limit });
        }
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
        let delivery_id = manager.delivery_id(headers, &delivery).unwrap_or_else(|| body_hash(body));
        let answer = manager.answer(&webhook, &delivery);
        let mut triggers = Vec::new();
        if answer.runs_triggers() {
            for subscription in self.store.subscriptions(&webhook.id).await.map_err(store_error)? {
                // Defence in depth: a subscription can only run for the webhook's owner.
                if subscription.owner != webhook.owner || !subscription.events.contains(&delivery.event) {
                    continue;
                }
                let Some(block) = self.registry.by_id(&subscription.block_id) else { continue };
                // A trigger of another provider never runs on this provider's deliveries.
                if block.descriptor().trigger.is_none_or(|trigger| trigger.provider != webhook.provider) {
                    continue;
                }
                let mut input = match &subscription.input {
                    Value::Object(fields) => fields.clone(),
                    _ => serde_json::Map::new(),
                };
                input.insert("payload".into(), delivery.payload.clone());
                triggers.push(PlannedTrigger {
                    subscription_id: subscription.id,
                    block_id: block.id(),
                    block: block.name(),
                    input: Value::Object(input),
                    graph: subscription.graph,
                });
            }
        }
        Ok(Accepted { owner: webhook.owner, event: delivery.event, delivery_id, triggers, reply: answer.into_reply() })
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

/// `sha256:<hex>` of a delivery's body: its name when the provider gives none.
fn body_hash(body: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    let hex: String = digest.as_ref().iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

fn store_error(error: WebhookError) -> DispatchError {
    DispatchError::Store(error.to_string())
}
