//! Webhooks (their secrets sealed) and the trigger subscriptions on them.

use block_core::webhooks::Subscription;

use crate::domain::{Run, WebhookRow};

use super::StorageError;

/// Webhooks and subscriptions.
#[async_trait::async_trait]
pub trait WebhookRows: Send + Sync + 'static {
    /// The webhook `id`.
    async fn webhook(&self, id: &str) -> Result<Option<WebhookRow>, StorageError>;

    /// A webhook with the same provider, owner, resource, credentials, kind and
    /// events (in any order) as `like`.
    async fn find_reusable_webhook(&self, like: &WebhookRow) -> Result<Option<WebhookRow>, StorageError>;

    /// Every webhook of `provider` on `resource`.
    async fn webhooks_on(&self, provider: &str, resource: &str) -> Result<Vec<WebhookRow>, StorageError>;

    /// Every webhook of `owner`.
    async fn webhooks_of(&self, owner: &str) -> Result<Vec<WebhookRow>, StorageError>;

    /// Creates or replaces a webhook.
    async fn put_webhook(&self, webhook: WebhookRow) -> Result<(), StorageError>;

    /// Deletes a webhook and its subscriptions.
    async fn delete_webhook(&self, id: &str) -> Result<(), StorageError>;

    /// The subscriptions on webhook `webhook_id`, by id.
    async fn subscriptions(&self, webhook_id: &str) -> Result<Vec<Subscription>, StorageError>;

    /// Every subscription of `owner`, by id.
    async fn subscriptions_of(&self, owner: &str) -> Result<Vec<Subscription>, StorageError>;

    /// Creates or replaces a subscription.
    async fn put_subscription(&self, subscription: Subscription) -> Result<(), StorageError>;

    /// Deletes `owner`'s subscription `id`, returning it.
    async fn delete_subscription(&self, owner: &str, id: &str) -> Result<Option<Subscription>, StorageError>;

    /// Keeps delivery `delivery_id` of webhook `webhook_id` and queues its
    /// trigger `runs`, in one transaction; `false` (and nothing queued) when that
    /// delivery was taken before.
    async fn record_delivery(
        &self,
        webhook_id: &str,
        delivery_id: &str,
        event: &str,
        runs: Vec<Run>,
        at: i64,
    ) -> Result<bool, StorageError>;
}
