//! Subscribing trigger blocks to webhooks: create or reuse, remove when the last
//! subscriber goes, and reconcile with the remote service.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::secret::{same_secret, supplied_secret};
use super::{GraphTarget, Subscription, Webhook, WebhookError, WebhookKind, WebhookManager, WebhookStore};
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

    /// The server's public base URL, without a trailing `/`: give it to the
    /// [`Dispatcher`](super::Dispatcher) too
    /// ([`with_public_url`](super::Dispatcher::with_public_url)), so that managers
    /// of providers that sign the URL can check it.
    pub fn base_url(&self) -> &str {
        &self.base_url
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
    /// when it is auto-setup). A new manual webhook of a provider that issues its
    /// own secret ([`SecretSource::Provider`](super::SecretSource::Provider)) waits
    /// for it, refusing deliveries, until [`set_secret`](Self::set_secret) gives it;
    /// [`subscribe_with_secret`](Self::subscribe_with_secret) gives it at once.
    pub async fn subscribe(
        &self,
        registry: &Registry,
        block: &RegisteredBlock,
        owner: &str,
        input: Value,
        resource: &str,
        credentials: Option<&StoredCredentials>,
    ) -> Result<(Subscription, Webhook), WebhookError> {
        self.attach(registry, block, owner, input, resource, credentials, None, None).await
    }

    /// Like [`subscribe`](Self::subscribe), for a manual webhook signed with
    /// `secret`, one the user gives: the value the provider issued (Stripe's
    /// `whsec_...`, the Slack app's signing secret, the Twilio auth token), or one
    /// of their choosing for providers that take any. A webhook with the same
    /// configuration is reused when it has this secret or is still waiting for
    /// one; otherwise a new one is made. Refused for auto-setup webhooks, whose
    /// secret is registered by us.
    #[allow(clippy::too_many_arguments)]
    pub async fn subscribe_with_secret(
        &self,
        registry: &Registry,
        block: &RegisteredBlock,
        owner: &str,
        input: Value,
        resource: &str,
        credentials: Option<&StoredCredentials>,
        secret: &SecretString,
    ) -> Result<(Subscription, Webhook), WebhookError> {
        let secret = supplied_secret(secret)?;
        self.attach(registry, block, owner, input, resource, credentials, Some(secret), None).await
    }

    /// Like [`subscribe`](Self::subscribe) (or
    /// [`subscribe_with_secret`](Self::subscribe_with_secret) when `secret` is
    /// given), for the trigger node of a graph: `block` is the node's block and
    /// `input` the node's input without its payload; each delivery of the events
    /// it asks for runs `graph` rather than the block alone (see
    /// [`PlannedTrigger::graph`](super::PlannedTrigger::graph)). The webhook is
    /// made or reused exactly as for the block.
    #[allow(clippy::too_many_arguments)]
    pub async fn subscribe_graph(
        &self,
        registry: &Registry,
        block: &RegisteredBlock,
        owner: &str,
        input: Value,
        resource: &str,
        credentials: Option<&StoredCredentials>,
        secret: Option<&SecretString>,
        graph: GraphTarget,
    ) -> Result<(Subscription, Webhook), WebhookError> {
        let secret = secret.map(supplied_secret).transpose()?;
        self.attach(registry, block, owner, input, resource, credentials, secret, Some(graph)).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn attach(
        &self,
        registry: &Registry,
        block: &RegisteredBlock,
        owner: &str,
        input: Value,
        resource: &str,
        credentials: Option<&StoredCredentials>,
        supplied: Option<SecretString>,
        graph: Option<GraphTarget>,
    ) -> Result<(Subscription, Webhook), WebhookError> {
        let descriptor = block.descriptor();
        let trigger = descriptor
            .trigger
            .as_ref()
            .ok_or_else(|| WebhookError::Invalid(format!("{} is not a trigger block", descriptor.name)))?;
        let manager = manager_of(registry, trigger.provider)?;
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
        if supplied.is_some() && kind == WebhookKind::Auto {
            return Err(WebhookError::Invalid(format!(
                "`{}` webhooks are registered with a secret of this server's own; none can be given",
                trigger.provider
            )));
        }
        let mut candidate = Webhook::new(
            trigger.provider,
            owner,
            kind,
            resource,
            events.clone(),
            credentials.map(|c| c.meta().id.clone()),
        );
        match &supplied {
            Some(secret) => candidate.secret = secret.clone(),
            None if manager.secret_source().is_provider_issued() => candidate.secret = SecretString::from(""),
            None => {}
        }
        let reusable = self.store.find_reusable(&candidate).await?.filter(|existing| match &supplied {
            Some(secret) => existing.secret.expose_secret().is_empty() || same_secret(&existing.secret, secret),
            None => true,
        });
        let webhook = match reusable {
            Some(mut existing) => {
                if let Some(secret) = supplied
                    && existing.secret.expose_secret().is_empty()
                {
                    existing.secret = secret;
                    self.store.put_webhook(existing.clone()).await?;
                }
                existing
            }
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
            graph,
        };
        self.store.put_subscription(subscription.clone()).await?;
        Ok((subscription, webhook))
    }

    /// Gives manual webhook `webhook_id` of `owner` the secret its deliveries are
    /// signed with: the one the provider issued once it knew the webhook's URL
    /// (Stripe, Linear), or a new one after the user rotated it at the provider.
    /// Refused for auto-setup webhooks (their secret is registered by us) and for
    /// webhooks of other users, which are reported as unknown.
    pub async fn set_secret(
        &self,
        owner: &str,
        webhook_id: &str,
        secret: &SecretString,
    ) -> Result<Webhook, WebhookError> {
        let secret = supplied_secret(secret)?;
        let unknown = || WebhookError::Invalid(format!("no webhook with id `{webhook_id}` for this user"));
        let mut webhook = self.store.webhook(webhook_id).await?.filter(|w| w.owner == owner).ok_or_else(unknown)?;
        if webhook.kind == WebhookKind::Auto {
            return Err(WebhookError::Invalid(format!(
                "`{}` webhooks are registered with a secret of this server's own; it cannot be replaced",
                webhook.provider
            )));
        }
        webhook.secret = secret;
        self.store.put_webhook(webhook.clone()).await?;
        Ok(webhook)
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
            manager_of(registry, &webhook.provider)?
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
        let manager = manager_of(registry, provider)?;
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

/// The webhook manager of `provider`, for what its declaration does not say
/// (e.g. [`WebhookManager::secret_source`]).
pub fn manager_of(registry: &Registry, provider: &str) -> Result<Arc<dyn WebhookManager>, WebhookError> {
    let spec = registry
        .provider(provider)
        .and_then(|p| p.webhooks)
        .ok_or_else(|| WebhookError::Invalid(format!("provider `{provider}` has no webhooks")))?;
    Ok((spec.manager)())
}
