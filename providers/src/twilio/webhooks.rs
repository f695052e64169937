//! `TwilioWebhookManager`: Twilio's requests to a phone number's webhook (an
//! incoming message, a message's status).
//!
//! Twilio signs the public URL it sent the request to, followed by every POST
//! parameter's name and value sorted by name, with HMAC-SHA1 under the account's
//! auth token, and sends it base64-encoded in `X-Twilio-Signature`. The URL is the
//! webhook's ingress URL, which the dispatcher gives verification
//! ([`IngressRequest::url`]); without it nothing can be verified, so
//! [`verify`](WebhookManager::verify) alone refuses. The auth token is the
//! account's (Twilio issues it), so the webhook is manual and the user gives it,
//! again after rotating it. Twilio signs no time. The event type is
//! `message.received` for an incoming message and `message.status` for a status
//! callback; an incoming message is answered with empty TwiML, so Twilio sends no
//! reply and logs no error.

use block_core::http::{HeaderMap, HeaderValue, StatusCode};
use block_core::prelude::*;
use block_core::testing::TEST_PUBLIC_URL;
use block_core::webhooks::{
    Answer, Delivery, DeliveryDraft, IngressRequest, SecretSource, SignedDelivery, Verified, Webhook, WebhookError,
    WebhookKind, WebhookManager, WebhookReply, hmac_sha1_base64, ingress_path, verify_hmac_sha1_base64,
};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-twilio-signature";

/// Empty TwiML: "received, say nothing".
pub const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

/// Webhooks of a Twilio phone number or Messaging Service, set by hand in the
/// Console.
#[derive(Debug, Default, Clone, Copy)]
pub struct TwilioWebhookManager;

/// What Twilio signs: `url` followed by each name and value, sorted by name.
fn signed_data(url: &str, params: &[(String, String)]) -> Vec<u8> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    // Unix-style, case-sensitive: byte order.
    sorted.sort();
    let mut data = url.as_bytes().to_vec();
    for (name, value) in sorted {
        data.extend_from_slice(name.as_bytes());
        data.extend_from_slice(value.as_bytes());
    }
    data
}

/// The `X-Twilio-Signature` of a request to `url` with the POST `params`, under
/// the auth token `auth_token`.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    hmac_sha1_base64(auth_token.as_bytes(), &signed_data(url, params))
}

/// The decoded POST parameters of a form body.
fn form_params(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

#[block_core::async_trait]
impl WebhookManager for TwilioWebhookManager {
    fn kind(&self) -> WebhookKind {
        WebhookKind::Manual
    }

    fn secret_source(&self) -> SecretSource {
        SecretSource::Provider {
            what: "your account's Auth Token, from Account Info in the Twilio Console (Twilio signs every request \
                   with it)",
        }
    }

    /// Always refuses: Twilio's signature covers the URL, which only
    /// [`verify_request`](WebhookManager::verify_request) knows.
    fn verify(&self, _webhook: &Webhook, _headers: &HeaderMap, _body: &[u8]) -> Result<Verified, WebhookError> {
        Err(WebhookError::BadSignature(
            "Twilio signs the URL a request was sent to; it is unknown here, so the request cannot be verified".into(),
        ))
    }

    fn verify_request(&self, webhook: &Webhook, request: &IngressRequest<'_>) -> Result<Verified, WebhookError> {
        let bad = |reason: &str| Err(WebhookError::BadSignature(reason.to_owned()));
        let Some(url) = request.url else {
            return bad("Twilio signs the URL a request was sent to, and the server's public URL is not known; set it");
        };
        let mut values = request.headers.get_all(SIGNATURE_HEADER).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return bad("a Twilio request carries exactly one X-Twilio-Signature header");
        };
        let Ok(signature) = value.to_str() else { return bad("X-Twilio-Signature is not text") };
        let data = signed_data(url, &form_params(request.body));
        if verify_hmac_sha1_base64(webhook.secret.expose_secret().as_bytes(), &data, signature) {
            Ok(Verified::signature_checked())
        } else {
            bad("X-Twilio-Signature does not match the URL and parameters under this webhook's auth token")
        }
    }

    /// The message's `MessageSid`, the same when Twilio retries.
    fn delivery_id(&self, _headers: &HeaderMap, delivery: &Delivery) -> Option<String> {
        delivery.payload["MessageSid"].as_str().map(|id| format!("twilio:{id}"))
    }

    fn parse(&self, _webhook: &Webhook, _headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let params = form_params(body);
        let has = |name: &str| params.iter().any(|(key, _)| key == name);
        let event = if has("MessageStatus") {
            "message.status"
        } else if has("MessageSid") {
            "message.received"
        } else {
            return Err(WebhookError::BadPayload(
                "the Twilio request is not about a message (no `MessageSid`); point only messaging webhooks here"
                    .into(),
            ));
        };
        let payload: serde_json::Map<String, Value> =
            params.into_iter().map(|(name, value)| (name, Value::String(value))).collect();
        Ok(Delivery { event: event.to_owned(), payload: Value::Object(payload) })
    }

    fn answer(&self, _webhook: &Webhook, delivery: &Delivery) -> Answer {
        if delivery.event == "message.received" {
            Answer::reply_and_run(WebhookReply::new(StatusCode::OK, "text/xml", EMPTY_TWIML))
        } else {
            Answer::run_triggers()
        }
    }

    /// Signs `body` (a form) as a request to the webhook's URL below
    /// [`TEST_PUBLIC_URL`]: Twilio's signature needs a URL, and this method has none.
    fn sign_delivery(&self, webhook: &Webhook, _event: &str, body: &[u8]) -> HeaderMap {
        let url = format!("{TEST_PUBLIC_URL}{}", ingress_path(&webhook.provider, &webhook.id));
        headers(&twilio_signature(webhook.secret.expose_secret(), &url, &form_params(body)))
    }

    /// The payload, an object of string parameters, as a form body signed for
    /// `draft.url`.
    fn sign_request(&self, webhook: &Webhook, draft: &DeliveryDraft<'_>) -> Result<SignedDelivery, WebhookError> {
        let fields = draft
            .payload
            .as_object()
            .ok_or_else(|| WebhookError::BadPayload("a Twilio request's parameters are a JSON object".into()))?;
        let mut params = Vec::with_capacity(fields.len());
        for (name, value) in fields {
            let value = value.as_str().ok_or_else(|| {
                WebhookError::BadPayload(format!("Twilio's parameter `{name}` is a string in the fixture"))
            })?;
            params.push((name.clone(), value.to_owned()));
        }
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(params.iter().map(|(name, value)| (name.as_str(), value.as_str())));
        let signature = twilio_signature(webhook.secret.expose_secret(), draft.url, &params);
        Ok(SignedDelivery { headers: headers(&signature), body: form.finish().into_bytes() })
    }
}

/// The headers Twilio sends with a signed form.
fn headers(signature: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(signature) {
        headers.insert(SIGNATURE_HEADER, value);
    }
    headers.insert("content-type", HeaderValue::from_static("application/x-www-form-urlencoded"));
    headers.insert("user-agent", HeaderValue::from_static("TwilioProxy/1.1"));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of Twilio's webhook security documentation.
    const DOC_TOKEN: &str = "12345";
    const DOC_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    fn doc_params(caller: &str) -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", caller),
            ("Digits", "1234"),
            ("From", caller),
            ("To", "+18005551212"),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
    }

    fn webhook(token: &str) -> Webhook {
        let mut webhook = Webhook::new("twilio", "alice", WebhookKind::Manual, "", Vec::new(), None);
        webhook.secret = token.to_owned().into();
        webhook
    }

    fn form(params: &[(String, String)]) -> Vec<u8> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        form.finish().into_bytes()
    }

    fn signed(signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).expect("base64"));
        headers
    }

    #[test]
    fn computes_twilios_documented_signatures() {
        // The security page's example, and the same request as twilio-node's tests sign it.
        assert_eq!(twilio_signature(DOC_TOKEN, DOC_URL, &doc_params("+14158675310")), "GvWf1cFY/Q7PnoempGyD5oXAezc=");
        assert_eq!(twilio_signature(DOC_TOKEN, DOC_URL, &doc_params("+14158675309")), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        let mut shuffled = doc_params("+14158675310");
        shuffled.reverse();
        assert_eq!(twilio_signature(DOC_TOKEN, DOC_URL, &shuffled), "GvWf1cFY/Q7PnoempGyD5oXAezc=", "order-free");
    }

    #[test]
    fn verifies_the_documented_request_at_its_url_only() {
        let body = form(&doc_params("+14158675310"));
        let headers = signed("GvWf1cFY/Q7PnoempGyD5oXAezc=");
        let at = |url: Option<&'static str>| {
            TwilioWebhookManager.verify_request(&webhook(DOC_TOKEN), &IngressRequest::new(url, &headers, &body))
        };
        assert!(at(Some(DOC_URL)).is_ok());
        assert!(at(Some("https://mycompany.com/myapp.php?foo=1&bar=3")).is_err(), "another URL");
        assert!(at(None).is_err_and(|e| e.to_string().contains("public URL")));
        assert!(TwilioWebhookManager.verify(&webhook(DOC_TOKEN), &headers, &body).is_err(), "no URL, no verification");
        let other_token = TwilioWebhookManager
            .verify_request(&webhook("54321"), &IngressRequest::new(Some(DOC_URL), &headers, &body));
        assert!(other_token.is_err_and(|e| !e.to_string().contains("54321")));
    }

    #[test]
    fn parses_a_message_or_a_status_callback_and_refuses_the_rest() {
        let parse = |body: &str| TwilioWebhookManager.parse(&webhook("t"), &HeaderMap::new(), body.as_bytes());
        let incoming =
            parse("MessageSid=SM1&From=%2B14017122661&Body=Ahoy+there%21&SmsStatus=received").expect("parsed");
        assert_eq!(incoming.event, "message.received");
        assert_eq!(incoming.payload["Body"], "Ahoy there!");
        assert_eq!(incoming.payload["From"], "+14017122661");
        let status = parse("MessageSid=SM1&MessageStatus=delivered&SmsStatus=delivered").expect("parsed");
        assert_eq!(status.event, "message.status");
        assert!(parse("CallSid=CA1&CallStatus=ringing").is_err(), "a voice call is not a message");
    }
}
