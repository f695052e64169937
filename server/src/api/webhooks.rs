//! Webhook ingress, and the caller's webhooks and trigger subscriptions.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use block_core::webhooks::{Subscription, Webhook, WebhookKind};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::extract::{Authed, JsonBody, RawBody};
use super::{ApiError, ErrorBody};
use crate::services::triggers;
use crate::services::{AppState, ServiceError};

/// How a webhook was set up.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookSetup {
    /// Configured by hand at the provider with its URL and secret.
    Manual,
    /// Registered at the provider by the server.
    Auto,
}

/// A webhook as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookItem {
    /// Its id; part of the ingress URL.
    pub id: String,
    /// The provider.
    pub provider: String,
    /// `manual` or `auto`.
    pub kind: WebhookSetup,
    /// What it watches.
    pub resource: String,
    /// The events subscribed at the provider.
    pub events: Vec<String>,
    /// The credentials it was registered with (`null` for manual webhooks).
    #[schema(required = true)]
    pub credentials_id: Option<String>,
    /// Where the provider delivers.
    #[schema(format = "uri")]
    pub ingress_url: String,
    /// How many triggers listen on it.
    pub subscriptions: usize,
    /// The signing secret: only in the answer that created a manual webhook's
    /// trigger (the provider's settings need it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub secret: Option<String>,
}

/// A trigger subscription as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriggerItem {
    /// Its id.
    pub id: String,
    /// The trigger block.
    pub block_id: String,
    /// The events it runs on.
    pub events: Vec<String>,
    /// The block's input apart from `payload`.
    #[schema(value_type = Object)]
    pub input: Value,
    /// The webhook it listens on.
    pub webhook_id: String,
    /// Where the provider delivers (`null` if the webhook is gone).
    #[schema(required = true, format = "uri")]
    pub ingress_url: Option<String>,
    /// The webhook (`null` if it is gone).
    #[schema(required = true)]
    pub webhook: Option<WebhookItem>,
}

/// What `POST /triggers` takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTrigger {
    /// A trigger block's id or name.
    pub block_id: String,
    /// The block's input without `payload`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub input: Option<Map<String, Value>>,
    /// What the webhook watches, e.g. `owner/repo`; empty for manual webhooks.
    #[serde(default)]
    pub resource: String,
    /// Credentials to register the webhook with, when the input names none.
    #[serde(default)]
    pub credentials_id: Option<String>,
}

/// What deleting a webhook or a trigger did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Removed {
    /// Always `true`.
    pub deleted: bool,
    /// Trigger subscriptions removed with a webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub subscriptions_removed: Option<usize>,
}

/// What the ingress answers the provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryReceipt {
    /// Always `true`: the delivery was verified and taken.
    pub received: bool,
    /// Trigger runs that started.
    pub triggered: usize,
}

fn webhook_item(state: &AppState, webhook: &Webhook, subscriptions: usize) -> WebhookItem {
    WebhookItem {
        id: webhook.id.clone(),
        provider: webhook.provider.clone(),
        kind: match webhook.kind {
            WebhookKind::Manual => WebhookSetup::Manual,
            WebhookKind::Auto => WebhookSetup::Auto,
        },
        resource: webhook.resource.clone(),
        events: webhook.events.clone(),
        credentials_id: webhook.credentials_id.clone(),
        ingress_url: state.webhooks().ingress_url(webhook),
        subscriptions,
        secret: None,
    }
}

fn trigger_item(state: &AppState, subscription: &Subscription, webhook: Option<&Webhook>) -> TriggerItem {
    TriggerItem {
        id: subscription.id.clone(),
        block_id: subscription.block_id.clone(),
        events: subscription.events.clone(),
        input: subscription.input.clone(),
        webhook_id: subscription.webhook_id.clone(),
        ingress_url: webhook.map(|webhook| state.webhooks().ingress_url(webhook)),
        webhook: webhook.map(|webhook| webhook_item(state, webhook, 1)),
    }
}

/// Takes a provider's delivery: verified by its signature before anything is
/// parsed, then the owner's subscribed triggers run.
#[utoipa::path(post, path = "/api/integrations/{provider}/webhooks/{webhook_id}/ingress", tag = "webhooks",
    operation_id = "webhook_ingress", summary = "Receive a provider's webhook delivery (verified by its signature)",
    params(("provider" = String, Path, description = "The provider's slug"),
        ("webhook_id" = String, Path, description = "The webhook's id")),
    request_body(content = Option<Object>, description = "The provider's payload, as it signed it"),
    responses((status = 200, description = "Taken", body = DeliveryReceipt),
        (status = 400, description = "The verified delivery could not be parsed", body = ErrorBody),
        (status = 403, description = "The signature is missing or wrong", body = ErrorBody),
        (status = 404, description = "No such webhook for this provider", body = ErrorBody),
        (status = 413, description = "The delivery is too large", body = ErrorBody),
        (status = 500, description = "The server failed; see its log", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn ingress(
    State(state): State<AppState>,
    Path((provider, webhook_id)): Path<(String, String)>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<DeliveryReceipt>, ApiError> {
    // Its own task: a provider that disconnects drops this handler, and a charged
    // trigger run must still end recorded (and refunded if it did not start).
    let delivery =
        tokio::spawn(async move { triggers::deliver(&state, &provider, &webhook_id, &headers, &body).await });
    let delivered = delivery.await.map_err(|error| ServiceError::internal("a webhook delivery failed", error))??;
    Ok(Json(DeliveryReceipt { received: true, triggered: delivered.triggered }))
}

/// Subscribes a trigger block to a webhook, created (and registered at the
/// provider, for auto-setup ones) or reused; 201.
#[utoipa::path(post, path = "/external-api/v1/triggers", tag = "webhooks", operation_id = "create_trigger",
    summary = "Subscribe a trigger block to a webhook (created or reused)",
    request_body = NewTrigger,
    security(("OAuth2" = ["MANAGE_INTEGRATIONS", "EXECUTE_BLOCK"])),
    responses((status = 201, description = "Subscribed", body = TriggerItem),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 403, description = "The block is disabled", body = ErrorBody),
        (status = 404, description = "No such block", body = ErrorBody),
        (status = 422, description = "Not a trigger block, or its input or credentials do not fit", body = ErrorBody),
        (status = 502, description = "The provider refused to register the webhook", body = ErrorBody)))]
pub async fn create_trigger(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(request): JsonBody<NewTrigger>,
) -> Result<(StatusCode, Json<TriggerItem>), ApiError> {
    let owner = &caller.user.id;
    let input = request.input.unwrap_or_default();
    let subscribed = triggers::subscribe(
        &state,
        owner,
        &request.block_id,
        input,
        &request.resource,
        request.credentials_id.as_deref(),
    )
    .await?;
    let mut answer = trigger_item(&state, &subscribed.subscription, Some(&subscribed.webhook));
    // A manual webhook is configured by hand at the provider, which needs its
    // signing secret; the one who created the subscription may see it.
    if subscribed.webhook.kind == WebhookKind::Manual
        && let Some(webhook) = answer.webhook.as_mut()
    {
        webhook.secret = Some(subscribed.webhook.secret.expose_secret().to_owned());
    }
    Ok((StatusCode::CREATED, Json(answer)))
}

/// The caller's trigger subscriptions.
#[utoipa::path(get, path = "/external-api/v1/triggers", tag = "webhooks", operation_id = "list_triggers",
    summary = "The caller's trigger subscriptions",
    security(("OAuth2" = ["READ_INTEGRATIONS"])),
    responses((status = 200, description = "The subscriptions", body = Vec<TriggerItem>)))]
pub async fn list_triggers(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<Vec<TriggerItem>>, ApiError> {
    let owner = &caller.user.id;
    let webhooks: HashMap<String, Webhook> =
        triggers::webhooks_of(&state, owner).await?.into_iter().map(|webhook| (webhook.id.clone(), webhook)).collect();
    let subscriptions = triggers::subscriptions_of(&state, owner).await?;
    Ok(Json(subscriptions.iter().map(|s| trigger_item(&state, s, webhooks.get(&s.webhook_id))).collect()))
}

/// Unsubscribes a trigger; the webhook's last subscription removes it.
#[utoipa::path(delete, path = "/external-api/v1/triggers/{subscription_id}", tag = "webhooks",
    operation_id = "delete_trigger", summary = "Unsubscribe a trigger; the last one removes its webhook",
    params(("subscription_id" = String, Path, description = "The subscription's id")),
    security(("OAuth2" = ["DELETE_INTEGRATIONS"])),
    responses((status = 200, description = "Removed", body = Removed),
        (status = 404, description = "No such trigger subscription", body = ErrorBody)))]
pub async fn delete_trigger(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Json<Removed>, ApiError> {
    triggers::unsubscribe_by_id(&state, &caller.user.id, &id).await?;
    Ok(Json(Removed { deleted: true, subscriptions_removed: None }))
}

/// The caller's webhooks.
#[utoipa::path(get, path = "/external-api/v1/webhooks", tag = "webhooks", operation_id = "list_webhooks",
    summary = "The caller's webhooks with their ingress URLs",
    security(("OAuth2" = ["READ_INTEGRATIONS"])),
    responses((status = 200, description = "The webhooks", body = Vec<WebhookItem>)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<Vec<WebhookItem>>, ApiError> {
    let owner = &caller.user.id;
    let subscriptions = triggers::subscriptions_of(&state, owner).await?;
    let webhooks = triggers::webhooks_of(&state, owner).await?;
    Ok(Json(
        webhooks
            .iter()
            .map(|webhook| {
                let count = subscriptions.iter().filter(|s| s.webhook_id == webhook.id).count();
                webhook_item(&state, webhook, count)
            })
            .collect(),
    ))
}

/// Removes a webhook with every trigger subscribed to it.
#[utoipa::path(delete, path = "/external-api/v1/webhooks/{webhook_id}", tag = "webhooks",
    operation_id = "delete_webhook", summary = "Remove a webhook and every trigger subscribed to it",
    params(("webhook_id" = String, Path, description = "The webhook's id")),
    security(("OAuth2" = ["DELETE_INTEGRATIONS"])),
    responses((status = 200, description = "Removed", body = Removed),
        (status = 404, description = "No such webhook", body = ErrorBody)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Json<Removed>, ApiError> {
    let removed = triggers::delete_webhook(&state, &caller.user.id, &id).await?;
    Ok(Json(Removed { deleted: true, subscriptions_removed: Some(removed) }))
}
