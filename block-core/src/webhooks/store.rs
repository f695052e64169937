//! Where webhooks and subscriptions live: the [`WebhookStore`] trait and an
//! in-memory implementation (the server persists them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{Subscription, Webhook, WebhookError};

/// Stores webhooks and subscriptions.
#[async_trait::async_trait]
pub trait WebhookStore: Send + Sync + 'static {
    /// The webhook `id`.
    async fn webhook(&self, id: &str) -> Result<Option<Webhook>, WebhookError>;

    /// An existing webhook to reuse: same provider, owner, resource, credentials,
    /// kind and events (in any order).
    async fn find_reusable(&self, like: &Webhook) -> Result<Option<Webhook>, WebhookError>;

    /// Every webhook of `provider` on `resource`.
    async fn webhooks_on(&self, provider: &str, resource: &str) -> Result<Vec<Webhook>, WebhookError>;

    /// Creates or replaces a webhook.
    async fn put_webhook(&self, webhook: Webhook) -> Result<(), WebhookError>;

    /// Deletes a webhook and its subscriptions.
    async fn delete_webhook(&self, id: &str) -> Result<(), WebhookError>;

    /// The subscriptions on webhook `webhook_id`.
    async fn subscriptions(&self, webhook_id: &str) -> Result<Vec<Subscription>, WebhookError>;

    /// Creates or replaces a subscription.
    async fn put_subscription(&self, subscription: Subscription) -> Result<(), WebhookError>;

    /// Deletes subscription `id` of `owner`, returning it.
    async fn delete_subscription(&self, owner: &str, id: &str) -> Result<Option<Subscription>, WebhookError>;
}

/// Webhooks and subscriptions in memory.
#[derive(Debug, Default, Clone)]
pub struct InMemoryWebhookStore {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    webhooks: HashMap<String, Webhook>,
    subscriptions: HashMap<String, Subscription>,
}

impl InMemoryWebhookStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn same_events(a: &[String], b: &[String]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a.dedup();
    b.dedup();
    a == b
}

#[async_trait::async_trait]
impl WebhookStore for InMemoryWebhookStore {
    async fn webhook(&self, id: &str) -> Result<Option<Webhook>, WebhookError> {
        Ok(self.lock().webhooks.get(id).cloned())
    }

    async fn find_reusable(&self, like: &Webhook) -> Result<Option<Webhook>, WebhookError> {
        Ok(self
            .lock()
            .webhooks
            .values()
            .find(|w| {
                w.provider == like.provider
                    && w.owner == like.owner
                    && w.resource == like.resource
                    && w.credentials_id == like.credentials_id
                    && w.kind == like.kind
                    && same_events(&w.events, &like.events)
            })
            .cloned())
    }

    async fn webhooks_on(&self, provider: &str, resource: &str) -> Result<Vec<Webhook>, WebhookError> {
        Ok(self
            .lock()
            .webhooks
            .values()
            .filter(|w| w.provider == provider && w.resource == resource)
            .cloned()
            .collect())
    }

    async fn put_webhook(&self, webhook: Webhook) -> Result<(), WebhookError> {
        self.lock().webhooks.insert(webhook.id.clone(), webhook);
        Ok(())
    }

    async fn delete_webhook(&self, id: &str) -> Result<(), WebhookError> {
        let mut inner = self.lock();
        inner.webhooks.remove(id);
        inner.subscriptions.retain(|_, s| s.webhook_id != id);
        Ok(())
    }

    async fn subscriptions(&self, webhook_id: &str) -> Result<Vec<Subscription>, WebhookError> {
        let mut subscriptions: Vec<Subscription> =
            self.lock().subscriptions.values().filter(|s| s.webhook_id == webhook_id).cloned().collect();
        subscriptions.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(subscriptions)
    }

    async fn put_subscription(&self, subscription: Subscription) -> Result<(), WebhookError> {
        self.lock().subscriptions.insert(subscription.id.clone(), subscription);
        Ok(())
    }

    async fn delete_subscription(&self, owner: &str, id: &str) -> Result<Option<Subscription>, WebhookError> {
        let mut inner = self.lock();
        match inner.subscriptions.get(id) {
            Some(subscription) if subscription.owner == owner => Ok(inner.subscriptions.remove(id)),
            _ => Err(WebhookError::Invalid(format!("no subscription with id `{id}` for this user"))),
        }
    }
}
