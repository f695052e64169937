//! Webhook deliveries and the trigger subscriptions they run: ingress (verify,
//! parse, charge and run the owner's subscribed triggers), subscribing and
//! unsubscribing triggers, and the caller's webhooks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use block_core::credentials::{CredentialStore, StoredCredentials};
use block_core::webhooks::{
    DispatchError, Dispatcher, Subscription, TriggerGate, TriggerRun, Webhook, WebhookError, WebhookStore,
};
use block_core::{RegisteredBlock, Usage};
use http::HeaderMap;
use serde_json::{Map, Value, json};

use super::runs::{self, Tally};
use super::{AppState, Refusal, ServiceError};
use crate::domain::{Run, RunEvent, RunKind, RunSource, RunStatus, new_run_id, now_millis};
use crate::storage::{Admission, RunEnd};

/// What a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Trigger runs that started.
    pub triggered: usize,
}

/// Takes a delivery through the core dispatcher: verify, parse, run the owner's
/// subscribed triggers. Each run is charged its per-run and per-byte costs before
/// it starts, as an execution through the API is ([`ChargeGate`]; a run the owner
/// cannot pay for does not start and is recorded failed), and is recorded as a
/// run with its outputs.
pub async fn deliver(
    state: &AppState,
    provider: &str,
    webhook_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Delivered, ServiceError> {
    let store: Arc<dyn WebhookStore> = state.webhook_store().clone();
    let gate = ChargeGate { state, opened: Mutex::new(HashMap::new()) };
    let dispatcher = Dispatcher::new(state.registry(), store, state.executor().clone())
        .with_max_body_bytes(state.settings().max_body_bytes)
        .with_gate(&gate);
    let runs = dispatcher.dispatch(provider, webhook_id, headers, body).await.map_err(dispatch_error)?;
    for run in &runs {
        record_trigger_run(state, &gate, run).await;
    }
    Ok(Delivered { triggered: runs.iter().filter(|run| run.started).count() })
}

/// Opens the run of each trigger run before it starts: a paid run is charged and
/// stored running in one transaction; one its owner cannot pay for does not
/// start, and is stored failed, saying why.
struct ChargeGate<'s> {
    state: &'s AppState,
    /// Each run let through, by id.
    opened: Mutex<HashMap<String, Run>>,
}

#[block_core::async_trait]
impl TriggerGate for ChargeGate<'_> {
    async fn admit(&self, owner: &str, block: &RegisteredBlock, input: &Value) -> Result<Option<String>, String> {
        let price = block.price(&Usage {
            platform_credentials: runs::names_platform_credentials(self.state, block, input),
            input_bytes: serde_json::to_vec(input).map_or(0, |bytes| u64::try_from(bytes.len()).unwrap_or(u64::MAX)),
            seconds: 0,
        });
        let now = now_millis();
        let mut run = Run {
            id: new_run_id().to_string(),
            kind: RunKind::Trigger,
            user_id: owner.to_owned(),
            block_id: block.id().to_owned(),
            parent_id: None,
            source: RunSource::Webhook,
            source_ref: None,
            status: RunStatus::Running,
            input: input.clone(),
            outputs: Map::new(),
            truncated: Vec::new(),
            error: None,
            charged: price,
            created_at: now,
            started_at: Some(now),
            finished_at: None,
            callback_url: None,
        };
        let storage = self.state.storage();
        let reason = format!("trigger {}", block.name());
        let lease = self.state.settings().run_lease;
        match storage.begin_inline(run.clone(), self.state.run_hub().worker(), lease, price, &reason).await {
            Ok(Admission::Started) => {
                let id = run.id.clone();
                self.opened.lock().unwrap_or_else(PoisonError::into_inner).insert(id.clone(), run);
                Ok(Some(id))
            }
            Ok(Admission::Insufficient { balance }) => {
                let why = format!("not run: {}", runs::insufficient(block, price, balance));
                run.status = RunStatus::Failed;
                run.charged = 0;
                run.error = Some(why.clone());
                run.finished_at = Some(now);
                if let Err(error) = storage.create_runs(vec![run]).await {
                    tracing::error!(%error, "recording a trigger run that could not be paid failed");
                }
                Err(why)
            }
            Err(error) => {
                tracing::error!(%error, block = block.name(), "charging a trigger run failed");
                Err("not run: the run could not be charged".to_owned())
            }
        }
    }
}

fn dispatch_error(error: DispatchError) -> ServiceError {
    match error {
        DispatchError::NotFound => ServiceError::not_found("webhook_not_found", "webhook not found"),
        DispatchError::BadSignature(message) => ServiceError::new(Refusal::Forbidden, "bad_signature", message),
        DispatchError::BadPayload(message) => ServiceError::bad_request("bad_payload", message),
        DispatchError::TooLarge { limit } => ServiceError::new(
            Refusal::TooLarge,
            "payload_too_large",
            format!("the delivery is larger than {limit} bytes"),
        ),
        other => ServiceError::internal("a webhook delivery failed", other),
    }
}

/// Records how a trigger run the gate let through ended: its events, outputs and
/// status (a run that did not start is refunded).
async fn record_trigger_run(state: &AppState, gate: &ChargeGate<'_>, trigger: &TriggerRun) {
    let Some(id) = trigger.admission.as_ref() else { return };
    let Some(mut run) = gate.opened.lock().unwrap_or_else(PoisonError::into_inner).remove(id) else { return };
    let storage = state.storage();
    if !trigger.started && run.charged > 0 {
        let reason = format!("refund: {} did not start", trigger.block);
        match storage.grant(&run.user_id, run.charged, &reason, Some(&run.id)).await {
            Ok(_) => run.charged = 0,
            Err(error) => tracing::error!(%error, run = %run.id, "refunding a trigger run failed"),
        }
    }
    let mut tally = Tally::new(state.settings().run_output_cap_bytes);
    let mut events = Vec::new();
    for (index, event) in trigger.events.iter().enumerate() {
        let kept = tally.observe(event);
        events.push(RunEvent {
            run_id: run.id.clone(),
            seq: index as u64 + 1,
            name: event.name.to_owned(),
            data: if kept { event.value.clone() } else { json!({"truncated": true}) },
            at: now_millis(),
        });
    }
    let status = if tally.error().is_some() { RunStatus::Failed } else { RunStatus::Completed };
    let (outputs, truncated, error) = tally.into_parts();
    events.push(RunEvent {
        run_id: run.id.clone(),
        seq: events.len() as u64 + 1,
        name: RunEvent::END.to_owned(),
        data: json!({"status": status, "error": error, "charged": run.charged}),
        at: now_millis(),
    });
    drop(storage.append_events(events));
    let end = RunEnd {
        id: run.id.clone(),
        status,
        outputs,
        truncated,
        error,
        charged: run.charged,
        finished_at: now_millis(),
    };
    if let Err(error) = storage.finish_run(end).await {
        tracing::error!(%error, "recording a trigger run failed");
    }
}

/// A trigger block subscribed to a webhook, as [`subscribe`] made it.
#[derive(Debug, Clone)]
pub struct Subscribed {
    /// The subscription.
    pub subscription: Subscription,
    /// Its webhook, created or reused.
    pub webhook: Webhook,
}

/// Subscribes `owner`'s trigger block `block_id` with `input` (without
/// `payload`) to a webhook on `resource`, created (and registered at the
/// provider, for auto-setup ones) or reused. Credentials to register it are the
/// ones the input names, else `credentials_id`.
pub async fn subscribe(
    state: &AppState,
    owner: &str,
    block_id: &str,
    input: Map<String, Value>,
    resource: &str,
    credentials_id: Option<&str>,
) -> Result<Subscribed, ServiceError> {
    let block = state.registry().find(block_id).ok_or_else(|| ServiceError::unknown_block(block_id))?;
    if block.descriptor().trigger.is_none() {
        return Err(ServiceError::invalid_body(format!("{} is not a trigger block", block.name())));
    }
    if block.descriptor().disabled {
        return Err(ServiceError::block_disabled(block.name()));
    }
    check_trigger_input(block, &input)?;
    let credentials = trigger_credentials(state, block, &input, credentials_id, owner).await?;
    let (subscription, webhook) = state
        .webhooks()
        .subscribe(state.registry(), block, owner, Value::Object(input), resource, credentials.as_ref())
        .await
        .map_err(webhook_error)?;
    Ok(Subscribed { subscription, webhook })
}

/// The input must fit the schema once the delivery's payload is added.
fn check_trigger_input(block: &RegisteredBlock, input: &Map<String, Value>) -> Result<(), ServiceError> {
    let mut with_payload = input.clone();
    with_payload.insert("payload".into(), json!({}));
    match block.validate(&Value::Object(with_payload)) {
        Ok(()) => Ok(()),
        Err(block_core::ExecuteError::InvalidInput { block, problems }) => {
            let problems: Vec<_> = problems.into_iter().filter(|p| !p.path.starts_with("/payload")).collect();
            if problems.is_empty() { Ok(()) } else { Err(ServiceError::invalid_input(block, &problems)) }
        }
        Err(other) => Err(ServiceError::internal("checking a trigger's input failed", other)),
    }
}

async fn trigger_credentials(
    state: &AppState,
    block: &RegisteredBlock,
    input: &Map<String, Value>,
    given: Option<&str>,
    owner: &str,
) -> Result<Option<StoredCredentials>, ServiceError> {
    let named = block
        .credential_fields()
        .iter()
        .find_map(|field| input.get(&field.name).and_then(|meta| meta["id"].as_str()).map(str::to_owned));
    let Some(id) = named.or_else(|| given.map(str::to_owned)) else { return Ok(None) };
    let stored = state.credentials().get(owner, &id).await.map_err(ServiceError::from)?;
    stored.map(Some).ok_or_else(|| ServiceError::invalid_body(format!("no credentials with id `{id}` for this user")))
}

/// A webhook failure as a refusal.
pub fn webhook_error(error: WebhookError) -> ServiceError {
    match error {
        WebhookError::Invalid(message) | WebhookError::Unsupported(message) => ServiceError::invalid_body(message),
        WebhookError::Http(error) => ServiceError::new(
            Refusal::BadGateway,
            "provider_unreachable",
            format!("the provider could not register the webhook: {error}"),
        ),
        other => ServiceError::internal("the webhook store failed", other),
    }
}

/// `owner`'s webhooks, by id.
pub async fn webhooks_of(state: &AppState, owner: &str) -> Result<Vec<Webhook>, ServiceError> {
    state.webhook_store().webhooks_of(owner).await.map_err(webhook_error)
}

/// `owner`'s trigger subscriptions.
pub async fn subscriptions_of(state: &AppState, owner: &str) -> Result<Vec<Subscription>, ServiceError> {
    state.webhook_store().subscriptions_of(owner).await.map_err(webhook_error)
}

/// Unsubscribes `owner`'s trigger `id`; the webhook's last subscription removes it.
pub async fn unsubscribe_by_id(state: &AppState, owner: &str, id: &str) -> Result<(), ServiceError> {
    let subscription = subscriptions_of(state, owner)
        .await?
        .into_iter()
        .find(|subscription| subscription.id == id)
        .ok_or_else(|| ServiceError::not_found("trigger_not_found", format!("no trigger subscription `{id}`")))?;
    unsubscribe(state, owner, &subscription).await
}

async fn unsubscribe(state: &AppState, owner: &str, subscription: &Subscription) -> Result<(), ServiceError> {
    let webhook = state.webhook_store().webhook(&subscription.webhook_id).await.map_err(webhook_error)?;
    let credentials = match webhook.as_ref().and_then(|webhook| webhook.credentials_id.as_deref()) {
        Some(id) => state.credentials().get(owner, id).await.map_err(ServiceError::from)?,
        None => None,
    };
    state
        .webhooks()
        .unsubscribe(state.registry(), owner, &subscription.id, credentials.as_ref())
        .await
        .map_err(webhook_error)
}

/// Removes `owner`'s webhook `id` with every trigger subscribed to it; returns
/// how many subscriptions went.
pub async fn delete_webhook(state: &AppState, owner: &str, id: &str) -> Result<usize, ServiceError> {
    let webhook = state.webhook_store().webhook(id).await.map_err(webhook_error)?;
    if webhook.is_none_or(|webhook| webhook.owner != owner) {
        return Err(ServiceError::not_found("webhook_not_found", format!("no webhook `{id}`")));
    }
    remove_webhook(state, owner, id).await
}

/// Unsubscribes every trigger of `owner`'s webhook `id` (deregistering it at the
/// provider with the last one) and deletes it; returns how many subscriptions went.
pub(super) async fn remove_webhook(state: &AppState, owner: &str, id: &str) -> Result<usize, ServiceError> {
    let subscriptions = state.webhook_store().subscriptions(id).await.map_err(webhook_error)?;
    for subscription in &subscriptions {
        unsubscribe(state, owner, subscription).await?;
    }
    // A webhook nobody subscribes to any more is removed by its last unsubscribe;
    // one that had none is removed here (an auto-setup hook left at the provider is
    // pruned by reconciliation).
    state.webhook_store().delete_webhook(id).await.map_err(webhook_error)?;
    Ok(subscriptions.len())
}
