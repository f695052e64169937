//! A delivery as it reaches the ingress, and one a provider would send, for the
//! test harness.

use std::fmt;
use std::time::SystemTime;

use http::HeaderMap;
use serde_json::Value;

/// The names of `headers`, without their values: some carry a secret (Telegram
/// sends the webhook's own secret token in a header).
fn header_names(headers: &HeaderMap) -> Vec<&str> {
    headers.keys().map(http::HeaderName::as_str).collect()
}

/// One delivery as the ingress received it, as
/// [`WebhookManager::verify_request`](super::WebhookManager::verify_request) sees it.
/// Its `Debug` shows the header names only.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct IngressRequest<'a> {
    /// The public URL the provider sent the delivery to: the server's public base
    /// URL (the one [`Webhooks`](super::Webhooks) was built with) followed by
    /// [`ingress_path`](super::ingress_path). Providers that sign the URL (Twilio)
    /// need it. `None` when the dispatcher was not told the base URL
    /// ([`Dispatcher::with_public_url`](super::Dispatcher::with_public_url)).
    pub url: Option<&'a str>,
    /// The headers, as received.
    pub headers: &'a HeaderMap,
    /// The raw body, exactly as received.
    pub body: &'a [u8],
}

impl<'a> IngressRequest<'a> {
    /// A delivery sent to `url` with `headers` and `body`.
    pub fn new(url: Option<&'a str>, headers: &'a HeaderMap, body: &'a [u8]) -> Self {
        IngressRequest { url, headers, body }
    }
}

impl fmt::Debug for IngressRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IngressRequest")
            .field("url", &self.url)
            .field("headers", &header_names(self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// What the test harness asks a manager to send as its provider would
/// ([`WebhookManager::sign_request`](super::WebhookManager::sign_request)).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct DeliveryDraft<'a> {
    /// The webhook's public ingress URL.
    pub url: &'a str,
    /// The event type the delivery must parse as.
    pub event: &'a str,
    /// The payload, as trigger blocks will receive it.
    pub payload: &'a Value,
    /// When the provider signs it: now, or a moment in the past to show that a
    /// replayed delivery is refused.
    pub signed_at: SystemTime,
}

impl<'a> DeliveryDraft<'a> {
    /// A delivery of `payload` as event `event` to `url`, signed at `signed_at`.
    pub fn new(url: &'a str, event: &'a str, payload: &'a Value, signed_at: SystemTime) -> Self {
        DeliveryDraft { url, event, payload, signed_at }
    }
}

/// A delivery as a provider sends it: the headers (signature included) and the raw
/// body. Its `Debug` shows the header names only.
#[derive(Clone, Default)]
pub struct SignedDelivery {
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl fmt::Debug for SignedDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedDelivery")
            .field("headers", &header_names(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn debug_output_shows_header_names_but_no_values() {
        let mut headers = HeaderMap::new();
        headers.insert("x-telegram-bot-api-secret-token", HeaderValue::from_static("secret-canary"));
        let request = IngressRequest::new(Some("https://blocks.test/x"), &headers, b"{}");
        let text = format!("{request:?} {:?}", SignedDelivery { headers: headers.clone(), body: Vec::new() });
        assert!(text.contains("x-telegram-bot-api-secret-token") && !text.contains("canary"), "{text}");
    }
}
