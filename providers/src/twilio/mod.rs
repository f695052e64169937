//! Twilio, as one module: the provider, the REST client, the webhook manager and
//! the blocks.
//!
//! Written against Twilio's documentation: the Message resource and sending
//! messages, <https://www.twilio.com/docs/messaging/api/message-resource>; the
//! API's authentication (HTTP Basic), <https://www.twilio.com/docs/usage/requests-to-twilio>;
//! errors, <https://www.twilio.com/docs/api/errors>; the messaging webhook's
//! parameters, <https://www.twilio.com/docs/messaging/guides/webhook-request>;
//! TwiML, <https://www.twilio.com/docs/messaging/twiml>; request signatures,
//! <https://www.twilio.com/docs/usage/webhooks/webhooks-security>, whose worked
//! example is a test vector of `webhooks.rs`.
//!
//! - [`Twilio`], the provider: the account SID and auth token as user name and
//!   password (`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` for the platform
//!   default), the trusted origin `https://api.twilio.com`.
//! - [`TwilioClient`] (`client.rs`): HTTP Basic, form bodies, Twilio's numbered
//!   errors mapped to [`TwilioError`].
//! - [`TwilioWebhookManager`] (`webhooks.rs`): manual webhooks signed with the
//!   account's auth token over the public URL and the sorted parameters; empty
//!   TwiML answered to incoming messages.
//! - Block: [`TwilioSendSmsBlock`]; trigger: [`TwilioIncomingSmsTriggerBlock`].
//!
//! Nothing here prints an auth token, or sends it anywhere but
//! `https://api.twilio.com`.

mod client;
mod error;
mod send_sms;
mod trigger;
mod webhooks;

use block_core::prelude::*;

pub use client::TwilioClient;
pub use error::TwilioError;
pub use send_sms::{TwilioSendSmsBlock, TwilioSendSmsInput, TwilioSendSmsOutput};
pub use trigger::{TwilioIncomingSmsTriggerBlock, TwilioIncomingSmsTriggerInput, TwilioIncomingSmsTriggerOutput};
pub use webhooks::{EMPTY_TWIML, TwilioWebhookManager, twilio_signature};

/// Twilio (`https://api.twilio.com`), reached with an account SID and auth token.
///
/// Setting `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN` gives every user platform
/// default credentials. The trigger takes the account's auth token, with which
/// Twilio signs its requests, on a webhook set up by hand.
#[provider(
    name = "twilio",
    display_name = "Twilio",
    user_password(username_env = "TWILIO_ACCOUNT_SID", password_env = "TWILIO_AUTH_TOKEN"),
    trusted_origins = ["https://api.twilio.com"],
    webhooks(manual, manager = TwilioWebhookManager),
)]
pub struct Twilio;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use block_core::http::{HeaderMap, HeaderValue, HttpClient, HttpPolicy, MockTransport};
    use block_core::provider::{env_example, platform_credentials};
    use block_core::webhooks::{
        DispatchError, Dispatcher, InMemoryWebhookStore, WebhookManager, WebhookStore, Webhooks, ingress_path,
    };
    use block_core::{Executor, Provider, Registry};

    use super::*;

    #[test]
    fn the_provider_takes_the_account_sid_and_auth_token_as_user_and_password() {
        let descriptor = Twilio::DESCRIPTOR;
        assert_eq!(descriptor.trusted_origins, ["https://api.twilio.com"]);
        let env = env_example([descriptor]);
        assert!(env.contains("\nTWILIO_ACCOUNT_SID=\n") && env.contains("\nTWILIO_AUTH_TOKEN=\n"), "{env}");
        let env = |name: &str| match name {
            "TWILIO_ACCOUNT_SID" => Some("AC123".to_owned()),
            "TWILIO_AUTH_TOKEN" => Some("token".to_owned()),
            _ => None,
        };
        let platform = platform_credentials([descriptor], env);
        assert_eq!(platform.len(), 1);
        assert_eq!(platform[0].kind(), block_core::credentials::CredentialsType::UserPassword);
    }

    #[tokio::test]
    async fn a_webhook_given_the_auth_token_verifies_twilios_request_at_the_servers_public_url() {
        let registry = Registry::builder().block::<TwilioIncomingSmsTriggerBlock>().build().expect("valid");
        let block = registry.by_name("TwilioIncomingSmsTriggerBlock").expect("registered");
        let store = Arc::new(InMemoryWebhookStore::new());
        let http = HttpClient::new(HttpPolicy::default(), Arc::new(MockTransport::new([])));
        let webhooks = Webhooks::new(store.clone(), http, "https://blocks.example.com");
        assert!(TwilioWebhookManager.secret_source().is_provider_issued());
        let token = SecretString::from("twilio-auth-token-canary");
        let (_, hook) = webhooks
            .subscribe_with_secret(&registry, block, "alice", json!({}), "", None, &token)
            .await
            .expect("subscribed");
        let url = format!("https://blocks.example.com{}", ingress_path("twilio", &hook.id));
        assert_eq!(webhooks.ingress_url(&hook), url);

        let params: Vec<(String, String)> =
            [("MessageSid", "SM1"), ("From", "+14017122661"), ("To", "+15558675310"), ("Body", "Hi")]
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect();
        let body = "MessageSid=SM1&From=%2B14017122661&To=%2B15558675310&Body=Hi";
        let mut headers = HeaderMap::new();
        let signature = twilio_signature("twilio-auth-token-canary", &url, &params);
        headers.insert("x-twilio-signature", HeaderValue::from_str(&signature).expect("base64"));

        let dispatcher =
            Dispatcher::new(&registry, store.clone(), Executor::new()).with_public_url(webhooks.base_url());
        let received = dispatcher.receive("twilio", &hook.id, &headers, body.as_bytes()).await.expect("verified");
        assert_eq!(received.runs.len(), 1);
        assert_eq!(received.runs[0].outputs().to_json()["body"], json!(["Hi"]));
        assert_eq!(received.reply.expect("TwiML").body_text(), EMPTY_TWIML);

        let without_url = Dispatcher::new(&registry, store.clone(), Executor::new());
        let refused = without_url.receive("twilio", &hook.id, &headers, body.as_bytes()).await;
        match refused {
            Err(DispatchError::BadSignature(message)) => {
                assert!(message.contains("public URL") && !message.contains("canary"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(store.webhook(&hook.id).await.expect("store").is_some());
    }
}
