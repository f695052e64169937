//! Webhook ingress, and the caller's webhooks and trigger subscriptions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use block_core::credentials::{CredentialStore, StoredCredentials};
use block_core::webhooks::{
    DispatchError, Dispatcher, Subscription, TriggerGate, TriggerRun, Webhook, WebhookError, WebhookKind, WebhookStore,
};
use block_core::{RegisteredBlock, Usage};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::blocks::unknown_block;
use super::execute::names_platform_credentials;
use super::integrations::store_error;
use super::run_record::{self, Opened, Tally};
use super::{ApiError, body};
use crate::auth::Caller;
use crate::ids::uuid_v7;
use crate::state::AppState;
use crate::storage::model::now_unix;
use crate::storage::{ExecutionRecord, ExecutionSource, ExecutionStatus};

/// Takes a delivery through the core dispatcher: verify, parse, run the owner's
/// subscribed triggers. Answers how many ran, never their outputs (the sender is
/// the provider, not the user). Each run is charged its per-run and per-byte costs
/// before it starts, as an execution through the API is ([`ChargeGate`]; a run
/// the owner cannot pay for does not start), and is recorded as an execution.
/// Per-second costs are not charged for trigger runs.
pub async fn ingress(
    State(state): State<AppState>,
    Path((provider, webhook_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = body::raw(body)?;
    let store: Arc<dyn WebhookStore> = state.webhook_store.clone();
    let gate = ChargeGate { state: &state, opened: Mutex::new(HashMap::new()) };
    let dispatcher = Dispatcher::new(&state.registry, store, state.executor.clone())
        .with_max_body_bytes(state.settings.max_body_bytes)
        .with_gate(&gate);
    let runs = dispatcher.dispatch(&provider, &webhook_id, &headers, &body).await.map_err(dispatch_error)?;
    for run in &runs {
        record_trigger_run(&state, &gate, &webhook_id, run).await;
    }
    let triggered = runs.iter().filter(|run| run.started).count();
    Ok(Json(json!({"received": true, "triggered": triggered})))
}

/// Opens the record of each trigger run before it starts ([`run_record::open`]):
/// a paid run is charged and stored as running, one its owner cannot pay for does
/// not start.
struct ChargeGate<'s> {
    state: &'s AppState,
    /// The record of each run let through, by execution id.
    opened: Mutex<HashMap<String, ExecutionRecord>>,
}

#[block_core::async_trait]
impl TriggerGate for ChargeGate<'_> {
    async fn admit(&self, owner: &str, block: &RegisteredBlock, input: &Value) -> Result<Option<String>, String> {
        let usage = Usage {
            platform_credentials: names_platform_credentials(self.state, block, input),
            input_bytes: serde_json::to_vec(input).map_or(0, |bytes| u64::try_from(bytes.len()).unwrap_or(u64::MAX)),
            seconds: 0,
        };
        let id = uuid_v7().ok_or_else(|| "not run: the random source failed".to_owned())?;
        match run_record::open(self.state, id, owner, block, &usage, ExecutionSource::Webhook).await {
            Ok(Opened::Ready(record)) => {
                let id = record.id.clone();
                self.opened.lock().unwrap_or_else(PoisonError::into_inner).insert(id.clone(), record);
                Ok(Some(id))
            }
            Ok(Opened::Insufficient { price, balance }) => {
                Err(format!("not run: {}", run_record::insufficient(block, price, balance)))
            }
            Err(error) => {
                tracing::error!(%error, block = block.name(), "charging a trigger run failed");
                Err("not run: the run could not be charged".to_owned())
            }
        }
    }
}

fn dispatch_error(error: DispatchError) -> ApiError {
    match error {
        DispatchError::NotFound => ApiError::not_found("webhook_not_found", "webhook not found"),
        DispatchError::BadSignature(message) => ApiError::new(StatusCode::FORBIDDEN, "bad_signature", message),
        DispatchError::BadPayload(message) => ApiError::bad_request("bad_payload", message),
        DispatchError::TooLarge { limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the delivery is larger than {limit} bytes"),
        ),
        other => ApiError::internal("a webhook delivery failed", other),
    }
}

async fn record_trigger_run(state: &AppState, gate: &ChargeGate<'_>, webhook_id: &str, run: &TriggerRun) {
    let Some(block) = state.registry.by_name(run.block) else { return };
    let opened =
        run.admission.as_ref().and_then(|id| gate.opened.lock().unwrap_or_else(PoisonError::into_inner).remove(id));
    let mut tally = Tally::default();
    run.events.iter().for_each(|event| tally.observe(event));
    let record = match opened {
        Some(mut record) if !run.started => {
            let why = run.events.first().and_then(|event| event.value.as_str()).unwrap_or("the run did not start");
            if let Err(error) = run_record::did_not_start(state, &mut record, block, why.to_owned()).await {
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
            let Ok(Some(webhook)) = state.webhook_store.webhook(webhook_id).await else { return };
            let now = now_unix();
            let mut record = ExecutionRecord {
                id: uuid_v7().unwrap_or_else(|| run.subscription_id.clone()),
                user_id: webhook.owner,
                block_id: block.id().to_owned(),
                source: ExecutionSource::Webhook,
                status: ExecutionStatus::Failed,
                charged: 0,
                pins: None,
                error: None,
                started_at: now,
                finished_at: None,
            };
            tally.close(&mut record, ExecutionStatus::Failed);
            record
        }
    };
    if let Err(error) = state.storage.record_execution(record).await {
        tracing::error!(%error, "recording a trigger run failed");
    }
}

/// What `POST /triggers` takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTrigger {
    /// The trigger block, by id or name.
    block_id: String,
    /// Its input, without `payload`.
    #[serde(default)]
    input: Option<Map<String, Value>>,
    /// What the webhook watches (e.g. `owner/repo`); empty for manual webhooks.
    #[serde(default)]
    resource: String,
    /// Credentials to register the webhook with, when the input names none.
    #[serde(default)]
    credentials_id: Option<String>,
}

/// Subscribes a trigger block to a webhook, created (and registered at the
/// provider, for auto-setup ones) or reused; 201.
pub async fn create_trigger(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: NewTrigger = body::json(body)?;
    let block = state.registry.find(&request.block_id).ok_or_else(|| unknown_block(&request.block_id))?;
    if block.descriptor().trigger.is_none() {
        return Err(ApiError::invalid_body(format!("{} is not a trigger block", block.name())));
    }
    if block.descriptor().disabled {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "block_disabled",
            format!("block {} is disabled", block.name()),
        ));
    }
    let input = request.input.unwrap_or_default();
    check_trigger_input(block, &input)?;
    let owner = &caller.user.id;
    let credentials = trigger_credentials(&state, block, &input, request.credentials_id.as_deref(), owner).await?;
    let (subscription, webhook) = state
        .webhooks
        .subscribe(&state.registry, block, owner, Value::Object(input), &request.resource, credentials.as_ref())
        .await
        .map_err(webhook_error)?;
    let mut answer = subscription_json(&subscription, Some(&webhook), &state);
    // A manual webhook is configured by hand at the provider, which needs its
    // signing secret; the one who created the subscription may see it.
    if webhook.kind == WebhookKind::Manual {
        answer["webhook"]["secret"] = Value::String(webhook.secret.expose_secret().to_owned());
    }
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// The input must fit the schema once the delivery's payload is added.
fn check_trigger_input(block: &RegisteredBlock, input: &Map<String, Value>) -> Result<(), ApiError> {
    let mut with_payload = input.clone();
    with_payload.insert("payload".into(), json!({}));
    match block.validate(&Value::Object(with_payload)) {
        Ok(()) => Ok(()),
        Err(block_core::ExecuteError::InvalidInput { block, problems, .. }) => {
            let problems: Vec<_> = problems.into_iter().filter(|p| !p.path.starts_with("/payload")).collect();
            if problems.is_empty() { Ok(()) } else { Err(ApiError::invalid_input(block, &problems)) }
        }
        Err(other) => Err(ApiError::internal("checking a trigger's input failed", other)),
    }
}

async fn trigger_credentials(
    state: &AppState,
    block: &RegisteredBlock,
    input: &Map<String, Value>,
    given: Option<&str>,
    owner: &str,
) -> Result<Option<StoredCredentials>, ApiError> {
    let named = block
        .credential_fields()
        .iter()
        .find_map(|field| input.get(&field.name).and_then(|meta| meta["id"].as_str()).map(str::to_owned));
    let Some(id) = named.or_else(|| given.map(str::to_owned)) else { return Ok(None) };
    let stored = state.credentials.get(owner, &id).await.map_err(store_error)?;
    stored.map(Some).ok_or_else(|| ApiError::invalid_body(format!("no credentials with id `{id}` for this user")))
}

fn webhook_error(error: WebhookError) -> ApiError {
    match error {
        WebhookError::Invalid(message) | WebhookError::Unsupported(message) => ApiError::invalid_body(message),
        WebhookError::Http(error) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "provider_unreachable",
            format!("the provider could not register the webhook: {error}"),
        ),
        other => ApiError::internal("the webhook store failed", other),
    }
}

fn webhook_json(webhook: &Webhook, subscriptions: usize, state: &AppState) -> Value {
    json!({
        "id": webhook.id,
        "provider": webhook.provider,
        "kind": match webhook.kind { WebhookKind::Manual => "manual", WebhookKind::Auto => "auto" },
        "resource": webhook.resource,
        "events": webhook.events,
        "credentials_id": webhook.credentials_id,
        "ingress_url": state.webhooks.ingress_url(webhook),
        "subscriptions": subscriptions,
    })
}

fn subscription_json(subscription: &Subscription, webhook: Option<&Webhook>, state: &AppState) -> Value {
    json!({
        "id": subscription.id,
        "block_id": subscription.block_id,
        "events": subscription.events,
        "input": subscription.input,
        "webhook_id": subscription.webhook_id,
        "ingress_url": webhook.map(|webhook| state.webhooks.ingress_url(webhook)),
        "webhook": webhook.map(|webhook| webhook_json(webhook, 1, state)),
    })
}

/// The caller's trigger subscriptions.
pub async fn list_triggers(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let owner = &caller.user.id;
    let webhooks: HashMap<String, Webhook> = state
        .webhook_store
        .webhooks_of(owner)
        .await
        .map_err(webhook_error)?
        .into_iter()
        .map(|webhook| (webhook.id.clone(), webhook))
        .collect();
    let subscriptions = state.webhook_store.subscriptions_of(owner).await.map_err(webhook_error)?;
    Ok(Json(subscriptions.iter().map(|s| subscription_json(s, webhooks.get(&s.webhook_id), &state)).collect()))
}

/// Unsubscribes a trigger; the webhook's last subscription removes it.
pub async fn delete_trigger(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let owner = &caller.user.id;
    let subscriptions = state.webhook_store.subscriptions_of(owner).await.map_err(webhook_error)?;
    let subscription = subscriptions
        .into_iter()
        .find(|subscription| subscription.id == id)
        .ok_or_else(|| ApiError::not_found("trigger_not_found", format!("no trigger subscription `{id}`")))?;
    unsubscribe(&state, owner, &subscription).await?;
    Ok(Json(json!({"deleted": true})))
}

async fn unsubscribe(state: &AppState, owner: &str, subscription: &Subscription) -> Result<(), ApiError> {
    let webhook = state.webhook_store.webhook(&subscription.webhook_id).await.map_err(webhook_error)?;
    let credentials = match webhook.as_ref().and_then(|webhook| webhook.credentials_id.as_deref()) {
        Some(id) => state.credentials.get(owner, id).await.map_err(store_error)?,
        None => None,
    };
    state
        .webhooks
        .unsubscribe(&state.registry, owner, &subscription.id, credentials.as_ref())
        .await
        .map_err(webhook_error)
}

/// The caller's webhooks.
pub async fn list_webhooks(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let owner = &caller.user.id;
    let subscriptions = state.webhook_store.subscriptions_of(owner).await.map_err(webhook_error)?;
    let webhooks = state.webhook_store.webhooks_of(owner).await.map_err(webhook_error)?;
    Ok(Json(
        webhooks
            .iter()
            .map(|webhook| {
                let count = subscriptions.iter().filter(|s| s.webhook_id == webhook.id).count();
                webhook_json(webhook, count, &state)
            })
            .collect(),
    ))
}

/// Removes a webhook with every trigger subscribed to it.
pub async fn delete_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let owner = &caller.user.id;
    let webhook = state.webhook_store.webhook(&id).await.map_err(webhook_error)?;
    let Some(webhook) = webhook.filter(|webhook| webhook.owner == *owner) else {
        return Err(ApiError::not_found("webhook_not_found", format!("no webhook `{id}`")));
    };
    let removed = remove_webhook(&state, owner, &webhook.id).await?;
    Ok(Json(json!({"deleted": true, "subscriptions_removed": removed})))
}

/// Unsubscribes every trigger of `owner`'s webhook `id` (deregistering it at the
/// provider with the last one) and deletes it; returns how many subscriptions went.
pub(super) async fn remove_webhook(state: &AppState, owner: &str, id: &str) -> Result<usize, ApiError> {
    let subscriptions = state.webhook_store.subscriptions(id).await.map_err(webhook_error)?;
    for subscription in &subscriptions {
        unsubscribe(state, owner, subscription).await?;
    }
    // A webhook nobody subscribes to any more is removed by its last unsubscribe;
    // one that had none is removed here (an auto-setup hook left at the provider is
    // pruned by reconciliation).
    state.webhook_store.delete_webhook(id).await.map_err(webhook_error)?;
    Ok(subscriptions.len())
}
