//! Webhook ingress, and the caller's webhooks and trigger subscriptions.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use block_core::SecretString;
use block_core::webhooks::{SecretSource, Subscription, Webhook, WebhookKind};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::extract::{Authed, JsonBody, RawBody};
use super::{ApiError, ErrorBody};
use crate::services::triggers::{self, TriggerOptions};
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
    /// Who makes the signing secret: `server` (this one), or `provider` (it
    /// issues one the user gives: `PUT /webhooks/{id}/secret`).
    pub secret_source: &'static str,
    /// For a provider-issued secret: which value to give.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_wanted: Option<&'static str>,
    /// Whether the webhook has its secret (without one, every delivery is refused).
    pub secret_set: bool,
    /// The signing secret: only in the answer that created a manual webhook's
    /// trigger whose secret this server made (the provider's settings need it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub secret: Option<String>,
}

/// The graph a trigger subscription starts.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriggerGraph {
    /// The graph's id.
    pub graph_id: String,
    /// The version each delivery runs.
    pub graph_version: u32,
    /// Its trigger node, which gets the delivery's `payload`.
    pub node_id: String,
}

/// A trigger subscription as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriggerItem {
    /// Its id.
    pub id: String,
    /// The trigger block (for a graph: its trigger node's block).
    pub block_id: String,
    /// The graph each delivery runs (`null`: each delivery runs the block).
    #[schema(required = true)]
    pub graph: Option<TriggerGraph>,
    /// The events it runs on.
    pub events: Vec<String>,
    /// The block's input apart from `payload` (for a graph: its trigger node's).
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
    /// For a provider that issues its own signing secret (Stripe's `whsec_...`, a
    /// Slack app's signing secret, a Twilio auth token): that secret. It can also
    /// be given later (`PUT /webhooks/{id}/secret`).
    #[serde(default)]
    #[schema(write_only)]
    pub webhook_secret: Option<String>,
}

/// What `PUT /webhooks/{id}/secret` takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookSecret {
    /// The secret the provider signs deliveries with.
    #[schema(write_only)]
    pub secret: String,
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

/// What the ingress answers the provider (unless its manager answers in the
/// provider's own way: Slack's challenge, Twilio's TwiML).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryReceipt {
    /// Always `true`: the delivery was verified and taken.
    pub received: bool,
    /// Trigger runs queued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued: Option<usize>,
    /// `true` for a redelivery of one taken before: nothing was queued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<bool>,
}

fn webhook_item(state: &AppState, webhook: &Webhook, subscriptions: usize) -> WebhookItem {
    let source = triggers::secret_source(state, webhook);
    let provider_issued = source.as_ref().is_some_and(SecretSource::is_provider_issued);
    WebhookItem {
        secret_source: if provider_issued { "provider" } else { "server" },
        secret_wanted: source.filter(SecretSource::is_provider_issued).map(|source| source.describe()),
        secret_set: !webhook.secret.expose_secret().is_empty(),
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

pub(super) fn trigger_item(state: &AppState, subscription: &Subscription, webhook: Option<&Webhook>) -> TriggerItem {
    TriggerItem {
        id: subscription.id.clone(),
        block_id: subscription.block_id.clone(),
        graph: subscription.graph.as_ref().map(|target| TriggerGraph {
            graph_id: target.graph_id.clone(),
            graph_version: target.graph_version,
            node_id: target.node_id.clone(),
        }),
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
    responses((status = 200, description = "Taken: its trigger runs are queued (or, for some providers, the \
            answer they expect: text/plain for Slack's challenge, text/xml for Twilio)", content(
            (DeliveryReceipt = "application/json"), (String = "text/plain"), (String = "text/xml"))),
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
) -> Result<Response, ApiError> {
    // Its own task: a provider that disconnects drops this handler, and a delivery
    // being stored must still be stored whole.
    let delivery =
        tokio::spawn(async move { triggers::deliver(&state, &provider, &webhook_id, &headers, &body).await });
    let delivered = delivery.await.map_err(|error| ServiceError::internal("a webhook delivery failed", error))??;
    if let Some(reply) = delivered.reply {
        let mut response = (reply.status, reply.body).into_response();
        if let Ok(kind) = HeaderValue::from_str(&reply.content_type) {
            response.headers_mut().insert(header::CONTENT_TYPE, kind);
        }
        return Ok(response);
    }
    let receipt = if delivered.duplicate {
        DeliveryReceipt { received: true, queued: None, duplicate: Some(true) }
    } else {
        DeliveryReceipt { received: true, queued: Some(delivered.queued), duplicate: None }
    };
    Ok(Json(receipt).into_response())
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
    let how = TriggerOptions {
        resource: request.resource,
        credentials_id: request.credentials_id,
        webhook_secret: request.webhook_secret.map(SecretString::from),
    };
    let subscribed = triggers::subscribe(&state, owner, &request.block_id, input, how).await?;
    Ok((StatusCode::CREATED, Json(created_item(&state, &subscribed))))
}

/// The answer that created a subscription. A manual webhook whose secret this
/// server made is configured by hand at the provider, which needs it; the one
/// who created the subscription may see it. A secret the provider issued is
/// never echoed.
pub(super) fn created_item(state: &AppState, subscribed: &triggers::Subscribed) -> TriggerItem {
    let mut answer = trigger_item(state, &subscribed.subscription, Some(&subscribed.webhook));
    if subscribed.webhook.kind == WebhookKind::Manual
        && let Some(webhook) = answer.webhook.as_mut()
        && webhook.secret_source == "server"
    {
        webhook.secret = Some(subscribed.webhook.secret.expose_secret().to_owned());
    }
    answer
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

/// Gives a manual webhook the secret its provider signs deliveries with.
#[utoipa::path(put, path = "/external-api/v1/webhooks/{webhook_id}/secret", tag = "webhooks",
    operation_id = "set_webhook_secret",
    summary = "Give a manual webhook the secret its provider issued (Stripe, Slack, Linear, Twilio)",
    params(("webhook_id" = String, Path, description = "The webhook's id")),
    request_body = WebhookSecret,
    security(("OAuth2" = ["MANAGE_INTEGRATIONS"])),
    responses((status = 200, description = "The webhook, its secret set", body = WebhookItem),
        (status = 404, description = "No such webhook", body = ErrorBody),
        (status = 422, description = "An auto-setup webhook, or an empty or oversized secret", body = ErrorBody)))]
pub async fn set_webhook_secret(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<WebhookSecret>,
) -> Result<Json<WebhookItem>, ApiError> {
    let webhook = triggers::set_secret(&state, &caller.user.id, &id, &SecretString::from(body.secret)).await?;
    let subscriptions = triggers::subscriptions_of(&state, &caller.user.id).await?;
    let count = subscriptions.iter().filter(|s| s.webhook_id == webhook.id).count();
    Ok(Json(webhook_item(&state, &webhook, count)))
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
