//! Where webhooks and subscriptions live: the [`WebhookStore`] trait and an
//! in-memory implementation (the server persists them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{Subscription, Webhook, WebhookError, WebhookFuture};

/// Stores webhooks and subscriptions.
pub trait WebhookStore: Send + Sync + 'static {
    /// The webhook `id`.
    fn webhook<'a>(&'a self, id: &'a str) -> WebhookFuture<'a, Option<Webhook>>;

    /// An existing webhook to reuse: same provider, owner, resource, credentials,
    /// kind and events (in any order).
    fn find_reusable<'a>(&'a self, like: &'a Webhook) -> WebhookFuture<'a, Option<Webhook>>;

    /// Every webhook of `provider` on `resource`.
    fn webhooks_on<'a>(&'a self, provider: &'a str, resource: &'a str) -> WebhookFuture<'a, Vec<Webhook>>;

    /// Creates or replaces a webhook.
    fn put_webhook<'a>(&'a self, webhook: Webhook) -> WebhookFuture<'a, ()>;

    /// Deletes a webhook and its subscriptions.
    fn delete_webhook<'a>(&'a self, id: &'a str) -> WebhookFuture<'a, ()>;

    /// The subscriptions on webhook `webhook_id`.
    fn subscriptions<'a>(&'a self, webhook_id: &'a str) -> WebhookFuture<'a, Vec<Subscription>>;

    /// Creates or replaces a subscription.
    fn put_subscription<'a>(&'a self, subscription: Subscription) -> WebhookFuture<'a, ()>;

    /// Deletes subscription `id` of `owner`, returning it.
    fn delete_subscription<'a>(&'a self, owner: &'a str, id: &'a str) -> WebhookFuture<'a, Option<Subscription>>;
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

impl WebhookStore for InMemoryWebhookStore {
    fn webhook<'a>(&'a self, id: &'a str) -> WebhookFuture<'a, Option<Webhook>> {
        Box::pin(async move { Ok(self.lock().webhooks.get(id).cloned()) })
    }

    fn find_reusable<'a>(&'a self, like: &'a Webhook) -> WebhookFuture<'a, Option<Webhook>> {
        Box::pin(async move {
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
        })
    }

    fn webhooks_on<'a>(&'a self, provider: &'a str, resource: &'a str) -> WebhookFuture<'a, Vec<Webhook>> {
        Box::pin(async move {
            Ok(self
                .lock()
                .webhooks
                .values()
                .filter(|w| w.provider == provider && w.resource == resource)
                .cloned()
                .collect())
        })
    }

    fn put_webhook<'a>(&'a self, webhook: Webhook) -> WebhookFuture<'a, ()> {
        Box::pin(async move {
            self.lock().webhooks.insert(webhook.id.clone(), webhook);
            Ok(())
        })
    }

    fn delete_webhook<'a>(&'a self, id: &'a str) -> WebhookFuture<'a, ()> {
        Box::pin(async move {
            let mut inner = self.lock();
            inner.webhooks.remove(id);
            inner.subscriptions.retain(|_, s| s.webhook_id != id);
            Ok(())
        })
    }

    fn subscriptions<'a>(&'a self, webhook_id: &'a str) -> WebhookFuture<'a, Vec<Subscription>> {
        Box::pin(async move {
            let mut subscriptions: Vec<Subscription> =
                self.lock().subscriptions.values().filter(|s| s.webhook_id == webhook_id).cloned().collect();
            subscriptions.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(subscriptions)
        })
    }

    fn put_subscription<'a>(&'a self, subscription: Subscription) -> WebhookFuture<'a, ()> {
        Box::pin(async move {
            self.lock().subscriptions.insert(subscription.id.clone(), subscription);
            Ok(())
        })
    }

    fn delete_subscription<'a>(&'a self, owner: &'a str, id: &'a str) -> WebhookFuture<'a, Option<Subscription>> {
        Box::pin(async move {
            let mut inner = self.lock();
            match inner.subscriptions.get(id) {
                Some(subscription) if subscription.owner == owner => Ok(inner.subscriptions.remove(id)),
                _ => Err(WebhookError::Invalid(format!("no subscription with id `{id}` for this user"))),
            }
        })
    }
}
