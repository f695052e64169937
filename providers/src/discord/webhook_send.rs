//! `DiscordWebhookSendBlock`: posts a message through a channel's webhook URL.

use block_core::prelude::*;

use super::{DiscordWebhookCredentials, WebhookUrl, allowed_mentions};

/// Inputs of `DiscordWebhookSendBlock`.
#[derive(BlockInput)]
pub struct DiscordWebhookSendInput {
    /// The message, at most 2000 characters (Markdown works).
    #[block_input(min_length = 1, max_length = 2000)]
    pub content: String,
    /// Post under this name instead of the webhook's own.
    #[block_input(max_length = 80, advanced)]
    pub username: Option<String>,
    /// Post with this avatar image (an https URL) instead of the webhook's own.
    #[block_input(format = "uri", advanced)]
    pub avatar_url: Option<String>,
    /// Let `@user`, `@role` and `@everyone` in the text notify people.
    #[block_input(default = false)]
    pub allow_mentions: bool,
    /// The channel's webhook URL (Channel settings > Integrations > Webhooks >
    /// Copy Webhook URL), stored as the credentials' API key.
    pub credentials: DiscordWebhookCredentials,
}

/// Outputs of `DiscordWebhookSendBlock`.
#[derive(BlockOutput)]
pub enum DiscordWebhookSendOutput {
    /// The new message's id.
    MessageId(String),
    /// The message as Discord stored it.
    Message(Value),
}

/// Posts a message to a Discord channel through its webhook URL, optionally under
/// another name and avatar. Only `https://discord.com/api/webhooks/...` URLs are
/// used, and the URL never appears in an error.
#[block(id = "6d094109-3dd7-4352-9bf9-d8ea8820f4f4", categories(Social, Communication), tests = webhook_send_cases)]
pub struct DiscordWebhookSendBlock;

impl Run for DiscordWebhookSendBlock {
    type Input = DiscordWebhookSendInput;
    type Output = DiscordWebhookSendOutput;

    async fn run(
        &self,
        input: DiscordWebhookSendInput,
        ctx: &RunContext,
        out: &Emit<DiscordWebhookSendOutput>,
    ) -> Result<(), BlockError> {
        let webhook = WebhookUrl::parse(input.credentials.api_key())?;
        let mut body = json!({"content": input.content, "allowed_mentions": allowed_mentions(input.allow_mentions)});
        if let Some(username) = input.username.filter(|name| !name.trim().is_empty()) {
            body["username"] = json!(username);
        }
        if let Some(avatar_url) = input.avatar_url.filter(|url| !url.trim().is_empty()) {
            body["avatar_url"] = json!(avatar_url);
        }
        let message = webhook.execute(ctx.http(), &body).await?;
        let id = message["id"].as_str().ok_or_else(|| BlockError::new("Discord's answer has no message `id`"))?;
        out.emit(DiscordWebhookSendOutput::MessageId(id.to_owned())).await?;
        out.emit(DiscordWebhookSendOutput::Message(message)).await
    }
}

// The harness's test key (`mock-discord_webhook-api-key`) is not a webhook URL, so
// these cases show its refusal; the tests below store a real-looking URL and run
// the block through the executor against the mocked Discord.
fn webhook_send_cases() -> Vec<TestCase<DiscordWebhookSendBlock>> {
    vec![
        TestCase::new("refuses credentials that are not a Discord webhook URL, without showing them", input("hi"))
            .error_containing("the credentials are not a Discord webhook URL"),
        TestCase::json("needs some content", json!({"content": "", "credentials": test_meta()}))
            .invalid_input(["/content"]),
        TestCase::json(
            "content stays within Discord's 2000 characters",
            json!({"content": "x".repeat(2001), "credentials": test_meta()}),
        )
        .invalid_input(["/content"]),
    ]
}

fn input(content: &str) -> DiscordWebhookSendInput {
    DiscordWebhookSendInput {
        content: content.into(),
        username: None,
        avatar_url: None,
        allow_mentions: false,
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: DiscordWebhookCredentials = Credentials::test();
    json!(credentials.meta())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use block_core::credentials::{ApiKeyCredentials, CredentialsMeta, CredentialsType, StoredCredentials};
    use block_core::http::{Exchange, MockTransport};
    use block_core::{Executor, InMemoryCredentialStore, Outputs, Registry, RunOptions};

    use super::*;

    const WEBHOOK: &str = "https://discord.com/api/webhooks/1057738163528548412/h00k-t0ken-canary";

    async fn run(input: Value, exchanges: Vec<Exchange>) -> (Outputs, Arc<MockTransport>) {
        let stored = StoredCredentials::ApiKey(ApiKeyCredentials {
            meta: CredentialsMeta {
                id: "hook".into(),
                provider: "discord_webhook".into(),
                kind: CredentialsType::ApiKey,
                title: Some("#deploys".into()),
            },
            api_key: WEBHOOK.into(),
            expires_at: None,
        });
        let registry = Registry::builder().block::<DiscordWebhookSendBlock>().build().expect("valid");
        let block = registry.by_name("DiscordWebhookSendBlock").expect("registered");
        let mock = Arc::new(MockTransport::new(exchanges));
        let executor = Executor::new()
            .with_credentials(Arc::new(InMemoryCredentialStore::new().with_user("u", [stored])))
            .with_transport(mock.clone());
        let execution = executor.execute(block, input, RunOptions::for_user("u")).await.expect("starts");
        (execution.collect().await, mock)
    }

    fn meta() -> Value {
        json!({"id": "hook", "provider": "discord_webhook", "type": "api_key"})
    }

    #[tokio::test]
    async fn posts_through_the_stored_webhook_url_and_waits_for_the_message() {
        let created = json!({"id": "1334290374129885185", "type": 0, "content": "Build green",
                             "channel_id": "1057738163528548412", "webhook_id": "1057738163528548412",
                             "author": {"id": "1057738163528548412", "username": "CI", "bot": true}});
        let exchange = Exchange::post(&format!("{WEBHOOK}?wait=true"))
            .header("content-type", "application/json")
            .json_body(json!({"content": "Build green", "allowed_mentions": {"parse": []}, "username": "CI"}))
            .respond_json(200, created.clone());
        let input = json!({"content": "Build green", "username": "CI", "credentials": meta()});
        let (outputs, mock) = run(input, vec![exchange]).await;
        assert!(outputs.is_success(), "{:?}", outputs.error());
        assert_eq!(outputs.get("message_id"), Some(&[json!("1334290374129885185")][..]));
        assert_eq!(outputs.get("message"), Some(&[created][..]));
        assert!(mock.unused_exchanges().is_empty());
    }

    #[tokio::test]
    async fn a_deleted_webhook_is_reported_without_its_url() {
        let exchange = Exchange::post(&format!("{WEBHOOK}?wait=true"))
            .respond_json(404, json!({"message": "Unknown Webhook", "code": 10015}));
        let (outputs, _mock) = run(json!({"content": "hi", "credentials": meta()}), vec![exchange]).await;
        let error = outputs.error().expect("failed");
        assert!(error.contains("Discord found no webhook (404: Unknown Webhook)"), "{error}");
        assert!(!error.contains("h00k-t0ken-canary"), "{error}");
    }
}
