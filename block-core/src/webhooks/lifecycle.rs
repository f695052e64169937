//! Subscribing trigger blocks to webhooks: create or reuse, remove when the last
//! subscriber goes, and reconcile with the remote service.

use std::sync::Arc;

use serde_json::Value;

use super::{Subscription, Webhook, WebhookError, WebhookKind, WebhookManager, WebhookStore};
use crate::credentials::StoredCredentials;
use crate::http::HttpClient;
use crate::oauth::random_token;
use crate::registry::{RegisteredBlock, Registry};

/// The path of a webhook's ingress, below the server's base URL.
pub fn ingress_path(provider: &str, webhook_id: &str) -> String {
    format!("/api/integrations/{provider}/webhooks/{webhook_id}/ingress")
}

/// The webhook lifecycle over a store.
#[derive(Clone)]
pub struct Webhooks {
    store: Arc<dyn WebhookStore>,
    http: HttpClient,
    base_url: String,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl Webhooks {
    /// A lifecycle over `store`, registering remote hooks with `http`, for a server
    /// reachable at `base_url` (e.g. `https://blocks.example.com`).
    pub fn new(store: Arc<dyn WebhookStore>, http: HttpClient, base_url: &str) -> Self {
        Webhooks { store, http, base_url: base_url.trim_end_matches('/').to_owned() }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn WebhookStore> {
        &self.store
    }

    /// The URL the provider delivers `webhook`'s events to.
    pub fn ingress_url(&self, webhook: &Webhook) -> String {
        format!("{}{}", self.base_url, ingress_path(&webhook.provider, &webhook.id))
    }

    /// Attaches trigger `block` of `owner`, configured by `input` (without its
    /// payload), to a webhook on `resource`: an existing one with the same
    /// credentials, resource and events, or a new one (registered at the provider
    /// when it is auto-setup).
    pub async fn subscribe(
        &self,
        registry: &Registry,
        block: &RegisteredBlock,
        owner: &str,
        input: Value,
        resource: &str,
        credentials: Option<&StoredCredentials>,
    ) -> Result<(Subscription, Webhook), WebhookError> {
        let descriptor = block.descriptor();
        let trigger = descriptor
            .trigger
            .as_ref()
            .ok_or_else(|| WebhookError::Invalid(format!("{} is not a trigger block", descriptor.name)))?;
        let manager = manager(registry, trigger.provider)?;
        let events = block.trigger_events(&input);
        if events.is_empty() {
            return Err(WebhookError::Invalid(format!("{}: choose at least one event to trigger on", descriptor.name)));
        }
        if let Some(credentials) = credentials
            && credentials.meta().provider != trigger.provider
        {
            return Err(WebhookError::Invalid(format!("the credentials are not `{}` credentials", trigger.provider)));
        }
        let kind = manager.kind();
        let candidate = Webhook::new(
            trigger.provider,
            owner,
            kind,
            resource,
            events.clone(),
            credentials.map(|c| c.meta().id.clone()),
        );
        let webhook = match self.store.find_reusable(&candidate).await? {
            Some(existing) => existing,
            None => {
                let mut webhook = candidate;
                if kind == WebhookKind::Auto {
                    let credentials = credentials.ok_or_else(|| {
                        WebhookError::Invalid(format!(
                            "`{}` webhooks are registered with credentials; give some",
                            trigger.provider
                        ))
                    })?;
                    let url = self.ingress_url(&webhook);
                    webhook.remote_id = Some(manager.register(&self.http, credentials, &webhook, &url).await?);
                }
                self.store.put_webhook(webhook.clone()).await?;
                webhook
            }
        };
        let subscription = Subscription {
            id: random_token(12),
            webhook_id: webhook.id.clone(),
            owner: owner.to_owned(),
            block_id: descriptor.id.to_owned(),
            events,
            input,
        };
        self.store.put_subscription(subscription.clone()).await?;
        Ok((subscription, webhook))
    }

    /// Detaches subscription `id` of `owner`; when it was the webhook's last, the
    /// webhook is removed, at the provider too (with `credentials`).
    pub async fn unsubscribe(
        &self,
        registry: &Registry,
        owner: &str,
        id: &str,
        credentials: Option<&StoredCredentials>,
    ) -> Result<(), WebhookError> {
        let Some(subscription) = self.store.delete_subscription(owner, id).await? else { return Ok(()) };
        if !self.store.subscriptions(&subscription.webhook_id).await?.is_empty() {
            return Ok(());
        }
        let Some(webhook) = self.store.webhook(&subscription.webhook_id).await? else { return Ok(()) };
        if let (WebhookKind::Auto, Some(remote_id)) = (webhook.kind, &webhook.remote_id) {
            let credentials = credentials.ok_or_else(|| {
                WebhookError::Invalid(
                    "removing the last subscription deregisters the hook: give its credentials".into(),
                )
            })?;
            manager(registry, &webhook.provider)?
                .deregister(&self.http, credentials, &webhook.resource, remote_id)
                .await?;
        }
        self.store.delete_webhook(&webhook.id).await
    }

    /// Removes hooks on `resource` that point at this server's ingress but that no
    /// stored webhook knows (left behind by crashes or deleted data); returns their
    /// remote ids.
    pub async fn reconcile(
        &self,
        registry: &Registry,
        provider: &str,
        credentials: &StoredCredentials,
        resource: &str,
    ) -> Result<Vec<String>, WebhookError> {
        let manager = manager(registry, provider)?;
        let known: Vec<String> =
            self.store.webhooks_on(provider, resource).await?.into_iter().filter_map(|w| w.remote_id).collect();
        let ours = format!("{}/api/integrations/{provider}/webhooks/", self.base_url);
        let mut removed = Vec::new();
        for hook in manager.remote_hooks(&self.http, credentials, resource).await? {
            if hook.url.starts_with(&ours) && !known.contains(&hook.id) {
                manager.deregister(&self.http, credentials, resource, &hook.id).await?;
                removed.push(hook.id);
            }
        }
        Ok(removed)
    }
}

/// The webhook manager of `provider`.
pub(crate) fn manager(registry: &Registry, provider: &str) -> Result<Arc<dyn WebhookManager>, WebhookError> {
    let spec = registry
        .provider(provider)
        .and_then(|p| p.webhooks)
        .ok_or_else(|| WebhookError::Invalid(format!("provider `{provider}` has no webhooks")))?;
    Ok((spec.manager)())
}
