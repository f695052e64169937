//! block-core's [`WebhookStore`] over the storage's [`WebhookRows`], webhook
//! secrets sealed.

use std::sync::Arc;

use block_core::webhooks::{Subscription, Webhook, WebhookError, WebhookStore};
use secrecy::{ExposeSecret, SecretString};

use crate::domain::{Cipher, WebhookRow};
use crate::storage::WebhookRows;

/// Webhooks and trigger subscriptions, persistent; each webhook's signing secret is
/// sealed with the server's key.
#[derive(Clone)]
pub struct SealedWebhookStore {
    storage: Arc<dyn WebhookRows>,
    cipher: Arc<Cipher>,
}

impl std::fmt::Debug for SealedWebhookStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedWebhookStore").finish_non_exhaustive()
    }
}

fn context(webhook_id: &str) -> String {
    format!("webhook/{webhook_id}")
}

fn store_error(error: impl std::fmt::Display) -> WebhookError {
    WebhookError::Store(error.to_string())
}

impl SealedWebhookStore {
    /// A store over `storage`, sealing with `cipher`.
    pub fn new(storage: Arc<dyn WebhookRows>, cipher: Arc<Cipher>) -> Self {
        SealedWebhookStore { storage, cipher }
    }

    /// The row for `webhook`, its secret sealed.
    pub fn seal(&self, webhook: &Webhook) -> Result<WebhookRow, WebhookError> {
        let sealed_secret =
            self.cipher.seal(&context(&webhook.id), webhook.secret.expose_secret().as_bytes()).map_err(store_error)?;
        Ok(WebhookRow {
            id: webhook.id.clone(),
            provider: webhook.provider.clone(),
            owner: webhook.owner.clone(),
            kind: webhook.kind,
            resource: webhook.resource.clone(),
            events: webhook.events.clone(),
            credentials_id: webhook.credentials_id.clone(),
            remote_id: webhook.remote_id.clone(),
            sealed_secret,
        })
    }

    /// The webhook a row holds, its secret opened.
    pub fn open(&self, row: WebhookRow) -> Result<Webhook, WebhookError> {
        let secret = self.cipher.open(&context(&row.id), &row.sealed_secret).map_err(store_error)?;
        let secret = String::from_utf8(secret).map_err(|_| store_error("a webhook secret is not text"))?;
        Ok(Webhook {
            id: row.id,
            provider: row.provider,
            owner: row.owner,
            secret: SecretString::from(secret),
            events: row.events,
            resource: row.resource,
            credentials_id: row.credentials_id,
            remote_id: row.remote_id,
            kind: row.kind,
        })
    }

    /// Every webhook of `owner`.
    pub async fn webhooks_of(&self, owner: &str) -> Result<Vec<Webhook>, WebhookError> {
        let rows = self.storage.webhooks_of(owner).await.map_err(store_error)?;
        rows.into_iter().map(|row| self.open(row)).collect()
    }

    /// Every subscription of `owner`.
    pub async fn subscriptions_of(&self, owner: &str) -> Result<Vec<Subscription>, WebhookError> {
        self.storage.subscriptions_of(owner).await.map_err(store_error)
    }
}

#[block_core::async_trait]
impl WebhookStore for SealedWebhookStore {
    async fn webhook(&self, id: &str) -> Result<Option<Webhook>, WebhookError> {
        let row = self.storage.webhook(id).await.map_err(store_error)?;
        row.map(|row| self.open(row)).transpose()
    }

    async fn find_reusable(&self, like: &Webhook) -> Result<Option<Webhook>, WebhookError> {
        let like = self.seal(like)?;
        let row = self.storage.find_reusable_webhook(&like).await.map_err(store_error)?;
        row.map(|row| self.open(row)).transpose()
    }

    async fn webhooks_on(&self, provider: &str, resource: &str) -> Result<Vec<Webhook>, WebhookError> {
        let rows = self.storage.webhooks_on(provider, resource).await.map_err(store_error)?;
        rows.into_iter().map(|row| self.open(row)).collect()
    }

    async fn put_webhook(&self, webhook: Webhook) -> Result<(), WebhookError> {
        let row = self.seal(&webhook)?;
        self.storage.put_webhook(row).await.map_err(store_error)
    }

    async fn delete_webhook(&self, id: &str) -> Result<(), WebhookError> {
        self.storage.delete_webhook(id).await.map_err(store_error)
    }

    async fn subscriptions(&self, webhook_id: &str) -> Result<Vec<Subscription>, WebhookError> {
        self.storage.subscriptions(webhook_id).await.map_err(store_error)
    }

    async fn put_subscription(&self, subscription: Subscription) -> Result<(), WebhookError> {
        self.storage.put_subscription(subscription).await.map_err(store_error)
    }

    async fn delete_subscription(&self, owner: &str, id: &str) -> Result<Option<Subscription>, WebhookError> {
        self.storage.delete_subscription(owner, id).await.map_err(store_error)
    }
}
