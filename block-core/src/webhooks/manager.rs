//! What a provider's webhook support consists of.

use std::sync::Arc;

use http::HeaderMap;
use serde_json::Value;

use super::{Webhook, WebhookError};
use crate::credentials::StoredCredentials;
use crate::http::HttpClient;

/// How webhooks of a provider come to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookKind {
    /// The user pastes our URL into the provider's settings.
    Manual,
    /// We register the hook through the provider's API.
    Auto,
}

/// The outcome of [`WebhookManager::verify`]: made only by saying how the delivery
/// was authenticated, so no manager can skip the question.
#[derive(Debug)]
pub struct Verified(());

impl Verified {
    /// The delivery's signature was checked against the webhook's secret.
    pub fn signature_checked() -> Self {
        Verified(())
    }

    /// The provider signs nothing; the unguessable webhook URL is the only secret.
    /// Say so only for providers that really send no signature.
    pub fn provider_sends_no_signature() -> Self {
        Verified(())
    }
}

/// One parsed delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The event type, e.g. `pull_request.opened`.
    pub event: String,
    /// The payload trigger blocks receive.
    pub payload: Value,
}

/// A hook as the remote service lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteHook {
    /// The remote id.
    pub id: String,
    /// Where it delivers.
    pub url: String,
}

/// A provider's webhook support.
#[async_trait::async_trait]
pub trait WebhookManager: Send + Sync + 'static {
    /// Manual or auto-setup.
    fn kind(&self) -> WebhookKind;

    /// Authenticates a delivery from its headers and raw body, BEFORE anything is
    /// parsed. There is no default.
    fn verify(&self, webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Verified, WebhookError>;

    /// The event type and payload of a verified delivery.
    fn parse(&self, webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError>;

    /// The headers the provider would send with `body` for `event`, signed with the
    /// webhook's secret: how the test harness delivers fixtures through the real
    /// verify -> parse -> dispatch path.
    fn sign_delivery(&self, webhook: &Webhook, event: &str, body: &[u8]) -> HeaderMap;

    /// Registers `webhook` at the remote service to deliver to `url`; returns the
    /// remote hook id.
    async fn register(
        &self,
        _http: &HttpClient,
        _credentials: &StoredCredentials,
        _webhook: &Webhook,
        _url: &str,
    ) -> Result<String, WebhookError> {
        Err(WebhookError::Unsupported("this provider's webhooks are set up by hand".into()))
    }

    /// Removes the remote hook `remote_id` on `resource`.
    async fn deregister(
        &self,
        _http: &HttpClient,
        _credentials: &StoredCredentials,
        _resource: &str,
        _remote_id: &str,
    ) -> Result<(), WebhookError> {
        Err(WebhookError::Unsupported("this provider's webhooks are set up by hand".into()))
    }

    /// The hooks registered on `resource` at the remote service.
    async fn remote_hooks(
        &self,
        _http: &HttpClient,
        _credentials: &StoredCredentials,
        _resource: &str,
    ) -> Result<Vec<RemoteHook>, WebhookError> {
        Ok(Vec::new())
    }
}

/// A provider's webhook declaration: the kind (known at compile time, for block
/// info) and how to make the manager.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSpec {
    /// Manual or auto-setup.
    pub kind: WebhookKind,
    /// Makes the manager.
    pub manager: fn() -> Arc<dyn WebhookManager>,
}
