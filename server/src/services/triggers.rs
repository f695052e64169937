//! Webhook deliveries and the trigger subscriptions they run: ingress (verify,
//! parse, charge and run the owner's subscribed triggers), subscribing and
//! unsubscribing triggers, and the caller's webhooks.

use std::sync::Arc;

use block_core::RegisteredBlock;
use block_core::SecretString;
use block_core::credentials::{CredentialStore, StoredCredentials};
use block_core::webhooks::{
    DispatchError, Dispatcher, SecretSource, Subscription, Webhook, WebhookError, WebhookReply, WebhookStore,
};
use http::HeaderMap;
use serde_json::{Map, Value, json};

use super::{AppState, Refusal, ServiceError, graph_triggers};
use crate::domain::{Run, RunKind, RunSource, RunStatus, new_run_id, now_millis};

/// What a delivery did.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// Trigger runs queued (none for a redelivery).
    pub queued: usize,
    /// A redelivery of one taken before: nothing was queued.
    pub duplicate: bool,
    /// The answer the provider expects instead of the usual one (Slack's
    /// `url_verification` challenge, Twilio's TwiML).
    pub reply: Option<WebhookReply>,
}

/// Takes a delivery: verify it before anything is parsed, parse it, then in one
/// transaction keep it (by the provider's delivery id, so a redelivery runs
/// nothing) and queue a run of each of the owner's subscribed triggers (a
/// graph run for the trigger node of a graph). Nothing
/// runs here: the answer goes back at once, and each run is charged when a
/// worker starts it.
pub async fn deliver(
    state: &AppState,
    provider: &str,
    webhook_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Delivered, ServiceError> {
    let store: Arc<dyn WebhookStore> = state.webhook_store().clone();
    let dispatcher =
        Dispatcher::new(state.registry(), store, state.executor().clone()).with_public_url(state.webhooks().base_url());
    let accepted = dispatcher.accept(provider, webhook_id, headers, body).await.map_err(dispatch_error)?;
    let now = now_millis();
    let mut runs: Vec<Run> = Vec::with_capacity(accepted.triggers.len());
    for planned in &accepted.triggers {
        if let Some(target) = &planned.graph {
            let run =
                graph_triggers::delivery_run(state, &accepted.owner, &accepted.delivery_id, planned, target).await?;
            runs.extend(run);
            continue;
        }
        runs.push(Run {
            id: new_run_id().to_string(),
            kind: RunKind::Trigger,
            user_id: accepted.owner.clone(),
            block_id: planned.block_id.to_owned(),
            parent_id: None,
            source: RunSource::Webhook,
            source_ref: Some(accepted.delivery_id.clone()),
            status: RunStatus::Queued,
            input: planned.input.clone(),
            outputs: Map::new(),
            truncated: Vec::new(),
            error: None,
            charged: 0,
            created_at: now,
            started_at: None,
            finished_at: None,
            callback_url: None,
        });
    }
    let queued = runs.len();
    let new = state.storage().record_delivery(webhook_id, &accepted.delivery_id, &accepted.event, runs, now).await?;
    if new && queued > 0 {
        state.run_hub().wake();
    }
    Ok(Delivered { queued: if new { queued } else { 0 }, duplicate: !new, reply: accepted.reply })
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

/// A trigger block subscribed to a webhook, as [`subscribe`] made it.
#[derive(Debug, Clone)]
pub struct Subscribed {
    /// The subscription.
    pub subscription: Subscription,
    /// Its webhook, created or reused.
    pub webhook: Webhook,
}

/// How a trigger is subscribed.
#[derive(Debug, Clone, Default)]
pub struct TriggerOptions {
    /// What the webhook watches (e.g. `owner/repo`); empty for manual webhooks.
    pub resource: String,
    /// Credentials to register the webhook with, when the input names none.
    pub credentials_id: Option<String>,
    /// The secret deliveries are signed with, for providers that issue their own
    /// (Stripe's `whsec_...`, a Slack app's signing secret, a Twilio auth token).
    pub webhook_secret: Option<SecretString>,
}

/// Subscribes `owner`'s trigger block `block_id` with `input` (without
/// `payload`) to a webhook, created (and registered at the provider, for
/// auto-setup ones) or reused. Credentials to register it are the ones the input
/// names, else `how.credentials_id`.
pub async fn subscribe(
    state: &AppState,
    owner: &str,
    block_id: &str,
    input: Map<String, Value>,
    how: TriggerOptions,
) -> Result<Subscribed, ServiceError> {
    let block = state.registry().find(block_id).ok_or_else(|| ServiceError::unknown_block(block_id))?;
    if block.descriptor().poll.is_some() {
        return Err(ServiceError::invalid_body(format!(
            "{} is a polling trigger: subscribe to it with POST /external-api/v1/polls",
            block.name()
        )));
    }
    if block.descriptor().trigger.is_none() {
        return Err(ServiceError::invalid_body(format!("{} is not a trigger block", block.name())));
    }
    if block.descriptor().disabled {
        return Err(ServiceError::block_disabled(block.name()));
    }
    check_trigger_input(block, &input)?;
    let credentials = trigger_credentials(state, block, &input, how.credentials_id.as_deref(), owner).await?;
    let (registry, webhooks, input) = (state.registry(), state.webhooks(), Value::Object(input));
    let subscribed = match &how.webhook_secret {
        Some(secret) => {
            webhooks
                .subscribe_with_secret(registry, block, owner, input, &how.resource, credentials.as_ref(), secret)
                .await
        }
        None => webhooks.subscribe(registry, block, owner, input, &how.resource, credentials.as_ref()).await,
    };
    let (subscription, webhook) = subscribed.map_err(webhook_error)?;
    Ok(Subscribed { subscription, webhook })
}

/// The input must fit the schema once the delivery's payload is added.
pub(super) fn check_trigger_input(block: &RegisteredBlock, input: &Map<String, Value>) -> Result<(), ServiceError> {
    let mut with_payload = input.clone();
    with_payload.insert("payload".into(), json!({}));
    match block.validate(&Value::Object(with_payload)) {
        Ok(()) => Ok(()),
        Err(block_core::ExecuteError::InvalidInput { block, problems, .. }) => {
            let problems: Vec<_> = problems.into_iter().filter(|p| !p.path.starts_with("/payload")).collect();
            if problems.is_empty() { Ok(()) } else { Err(ServiceError::invalid_input(block, &problems)) }
        }
        Err(other) => Err(ServiceError::internal("checking a trigger's input failed", other)),
    }
}

/// The credentials a trigger's webhook is registered with: the ones its input
/// names, else `given`; `None` when neither names any.
pub(super) async fn trigger_credentials(
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

/// Gives `owner`'s manual webhook `id` the secret its deliveries are signed with
/// (one its provider issued, or a rotated one).
pub async fn set_secret(
    state: &AppState,
    owner: &str,
    id: &str,
    secret: &SecretString,
) -> Result<Webhook, ServiceError> {
    let known = state.webhook_store().webhook(id).await.map_err(webhook_error)?;
    if known.is_none_or(|webhook| webhook.owner != owner) {
        return Err(ServiceError::not_found("webhook_not_found", format!("no webhook `{id}`")));
    }
    state.webhooks().set_secret(owner, id, secret).await.map_err(webhook_error)
}

/// Where a webhook's secret comes from: this server, or the provider.
pub fn secret_source(state: &AppState, webhook: &Webhook) -> Option<SecretSource> {
    block_core::webhooks::manager_of(state.registry(), &webhook.provider).ok().map(|manager| manager.secret_source())
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
