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

use super::runs::{self, Opened, Tally};
use super::{AppState, Refusal, ServiceError};
use crate::domain::{ExecutionRecord, ExecutionSource, ExecutionStatus, new_run_id, now_unix};

/// What a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Trigger runs that started.
    pub triggered: usize,
}

/// Takes a delivery through the core dispatcher: verify, parse, run the owner's
/// subscribed triggers. Each run is charged its per-run and per-byte costs before
/// it starts, as an execution through the API is ([`ChargeGate`]; a run the owner
/// cannot pay for does not start), and is recorded as an execution. Per-second
/// costs are not charged for trigger runs.
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
        record_trigger_run(state, &gate, webhook_id, run).await;
    }
    Ok(Delivered { triggered: runs.iter().filter(|run| run.started).count() })
}

/// Opens the record of each trigger run before it starts ([`runs::open`]): a paid
/// run is charged and stored as running, one its owner cannot pay for does not
/// start.
struct ChargeGate<'s> {
    state: &'s AppState,
    /// The record of each run let through, by execution id.
    opened: Mutex<HashMap<String, ExecutionRecord>>,
}

#[block_core::async_trait]
impl TriggerGate for ChargeGate<'_> {
    async fn admit(&self, owner: &str, block: &RegisteredBlock, input: &Value) -> Result<Option<String>, String> {
        let usage = Usage {
            platform_credentials: runs::names_platform_credentials(self.state, block, input),
            input_bytes: serde_json::to_vec(input).map_or(0, |bytes| u64::try_from(bytes.len()).unwrap_or(u64::MAX)),
            seconds: 0,
        };
        let id = new_run_id().to_string();
        match runs::open(self.state, id, owner, block, &usage, ExecutionSource::Webhook).await {
            Ok(Opened::Ready(record)) => {
                let id = record.id.clone();
                self.opened.lock().unwrap_or_else(PoisonError::into_inner).insert(id.clone(), record);
                Ok(Some(id))
            }
            Ok(Opened::Insufficient { price, balance }) => {
                Err(format!("not run: {}", runs::insufficient(block, price, balance)))
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

async fn record_trigger_run(state: &AppState, gate: &ChargeGate<'_>, webhook_id: &str, run: &TriggerRun) {
    let Some(block) = state.registry().by_name(run.block) else { return };
    let opened =
        run.admission.as_ref().and_then(|id| gate.opened.lock().unwrap_or_else(PoisonError::into_inner).remove(id));
    let mut tally = Tally::default();
    run.events.iter().for_each(|event| tally.observe(event));
    let record = match opened {
        Some(mut record) if !run.started => {
            let why = run.events.first().and_then(|event| event.value.as_str()).unwrap_or("the run did not start");
            if let Err(error) = runs::did_not_start(state, &mut record, block, why.to_owned()).await {
                tracing::error!(%error, execution = %record.id, "refunding a trigger run failed");
            }
            record
        }
        Some(mut record) => {
            tally.close(&mut record, ExecutionStatus::Completed);
            record
        }
        // Refused by the gate: a record of a run that never started, saying why.
        None => {
            let Ok(Some(webhook)) = state.webhook_store().webhook(webhook_id).await else { return };
            let mut record = ExecutionRecord {
                id: new_run_id().to_string(),
                user_id: webhook.owner,
                block_id: block.id().to_owned(),
                source: ExecutionSource::Webhook,
                status: ExecutionStatus::Failed,
                charged: 0,
                pins: None,
                error: None,
                started_at: now_unix(),
                finished_at: None,
            };
            tally.close(&mut record, ExecutionStatus::Failed);
            record
        }
    };
    if let Err(error) = state.storage().record_execution(record).await {
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
