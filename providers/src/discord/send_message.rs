//! `DiscordSendMessageBlock`: posts a message to a channel as a bot.

use block_core::http::Exchange;
use block_core::prelude::*;

use super::{DiscordBotCredentials, DiscordClient, allowed_mentions};

/// Inputs of `DiscordSendMessageBlock`.
#[derive(BlockInput)]
pub struct DiscordSendMessageInput {
    /// The channel's id (a number; in Discord, enable Developer Mode and use
    /// "Copy Channel ID").
    #[block_input(placeholder = "1057738163528548412", min_length = 1, max_length = 20)]
    pub channel_id: String,
    /// The message, at most 2000 characters (Markdown works).
    #[block_input(min_length = 1, max_length = 2000)]
    pub content: String,
    /// Let `@user`, `@role` and `@everyone` in the text notify people.
    #[block_input(default = false)]
    pub allow_mentions: bool,
    /// The bot's token; the bot must be in the server with the Send Messages permission.
    pub credentials: DiscordBotCredentials,
}

/// Outputs of `DiscordSendMessageBlock`.
#[derive(BlockOutput)]
pub enum DiscordSendMessageOutput {
    /// The new message's id.
    MessageId(String),
    /// The message as Discord stored it (`id`, `channel_id`, `content`,
    /// `timestamp`, `author`, ...).
    Message(Value),
}

/// Posts a message to a Discord channel as the bot whose token is given.
#[block(id = "0238d11b-4dfe-4faf-afd7-a3e640fb070f", categories(Social, Communication), tests = send_message_cases)]
pub struct DiscordSendMessageBlock;

impl Run for DiscordSendMessageBlock {
    type Input = DiscordSendMessageInput;
    type Output = DiscordSendMessageOutput;

    async fn run(
        &self,
        input: DiscordSendMessageInput,
        ctx: &RunContext,
        out: &Emit<DiscordSendMessageOutput>,
    ) -> Result<(), BlockError> {
        let channel = input.channel_id.trim();
        if !channel.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BlockError::new(format!("input `channel_id`: `{channel}` is not a channel id (only digits)")));
        }
        let client = DiscordClient::new(ctx.http(), input.credentials.api_key());
        let body = json!({"content": input.content, "allowed_mentions": allowed_mentions(input.allow_mentions)});
        let message =
            client.post(&format!("/channels/{channel}/messages"), &body, &format!("channel {channel}")).await?;
        let id = message["id"].as_str().ok_or_else(|| BlockError::new("Discord's answer has no message `id`"))?;
        out.emit(DiscordSendMessageOutput::MessageId(id.to_owned())).await?;
        out.emit(DiscordSendMessageOutput::Message(message)).await
    }
}

const URL: &str = "https://discord.com/api/v10/channels/1057738163528548412/messages";

fn post(body: Value) -> Exchange {
    Exchange::post(URL)
        .header("authorization", "Bot mock-discord-api-key")
        .header("content-type", "application/json")
        .json_body(body)
}

fn message(content: &str) -> Value {
    json!({
        "id": "1334290374129885184",
        "type": 0,
        "content": content,
        "channel_id": "1057738163528548412",
        "author": {"id": "1057740187733864459", "username": "blocks-bot", "bot": true},
        "attachments": [],
        "embeds": [],
        "mentions": [],
        "mention_roles": [],
        "pinned": false,
        "mention_everyone": false,
        "tts": false,
        "timestamp": "2025-01-30T12:00:00.000000+00:00",
        "edited_timestamp": null,
        "flags": 0,
    })
}

fn send_message_cases() -> Vec<TestCase<DiscordSendMessageBlock>> {
    let quiet = json!({"parse": []});
    vec![
        TestCase::new("posts as the bot with mentions off", input("Deploy finished @everyone", false))
            .http(post(json!({"content": "Deploy finished @everyone", "allowed_mentions": quiet}))
                .respond_json(200, message("Deploy finished @everyone")))
            .outputs([
                DiscordSendMessageOutput::MessageId("1334290374129885184".into()),
                DiscordSendMessageOutput::Message(message("Deploy finished @everyone")),
            ]),
        TestCase::new("lets mentions notify when asked", input("<@80351110224678912> look", true))
            .http(post(json!({"content": "<@80351110224678912> look",
                              "allowed_mentions": {"parse": ["users", "roles", "everyone"]}}))
                .respond_json(200, message("<@80351110224678912> look")))
            .outputs([
                DiscordSendMessageOutput::MessageId("1334290374129885184".into()),
                DiscordSendMessageOutput::Message(message("<@80351110224678912> look")),
            ]),
        TestCase::new("names a channel Discord does not know", input("hi", false))
            .http(post(json!({"content": "hi", "allowed_mentions": quiet}))
                .respond_json(404, json!({"message": "Unknown Channel", "code": 10003})))
            .error_containing("Discord found no channel 1057738163528548412 (404: Unknown Channel)"),
        TestCase::new("explains a missing permission", input("hi", false))
            .http(post(json!({"content": "hi", "allowed_mentions": quiet}))
                .respond_json(403, json!({"message": "Missing Permissions", "code": 50013})))
            .error_containing("Discord denied access (403: Missing Permissions)"),
        TestCase::new("explains a refused token", input("hi", false))
            .http(post(json!({"content": "hi", "allowed_mentions": quiet}))
                .respond_json(401, json!({"message": "401: Unauthorized", "code": 0})))
            .error_containing("Discord refused the credentials (401: 401: Unauthorized)"),
        TestCase::new("says until when the rate limit holds", input("hi", false))
            .http(post(json!({"content": "hi", "allowed_mentions": quiet}))
                .respond_json(429, json!({"message": "You are being rate limited.", "retry_after": 1.5, "global": false})))
            .error_containing("Discord rate limited these credentials until 1.5 seconds from now"),
        TestCase::new("says which field Discord refused", input("hi", false))
            .http(post(json!({"content": "hi", "allowed_mentions": quiet})).respond_json(400, json!({
                "message": "Invalid Form Body", "code": 50035,
                "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}},
            })))
            .error_containing("Discord rejected the message (400: Invalid Form Body): content: Must be 2000 or fewer in length."),
        TestCase::new(
            "refuses a channel id that is not a number",
            DiscordSendMessageInput { channel_id: "../users/@me".into(), ..input("hi", false) },
        )
        .error_containing("input `channel_id`: `../users/@me` is not a channel id"),
        TestCase::json("needs some content", json!({"channel_id": "1", "content": "", "credentials": test_meta()}))
            .invalid_input(["/content"]),
    ]
}

fn input(content: &str, allow_mentions: bool) -> DiscordSendMessageInput {
    DiscordSendMessageInput {
        channel_id: "1057738163528548412".into(),
        content: content.into(),
        allow_mentions,
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: DiscordBotCredentials = Credentials::test();
    json!(credentials.meta())
}
