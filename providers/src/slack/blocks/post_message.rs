//! `SlackPostMessageBlock`: posts a message with `chat.postMessage`.

use block_core::prelude::*;

use super::api_mocks::{post, refused};
use crate::slack::{SlackClient, SlackCredentials};

/// Inputs of `SlackPostMessageBlock`.
#[derive(BlockInput)]
pub struct SlackPostMessageInput {
    /// The channel: its ID (`C0123456789`), a user ID for a direct message, or a
    /// name such as `#general`.
    #[block_input(placeholder = "C0123456789", min_length = 1)]
    pub channel: String,
    /// The message, in Slack's `mrkdwn`.
    #[block_input(min_length = 1, max_length = 40000)]
    pub text: String,
    /// The `ts` of a message to reply to in its thread.
    #[block_input(advanced)]
    pub thread_ts: Option<String>,
    /// A Slack bot token or OAuth login allowed to post (`chat:write`).
    #[block_input(scopes = ["chat:write"])]
    pub credentials: SlackCredentials,
}

/// Outputs of `SlackPostMessageBlock`.
#[derive(BlockOutput)]
pub enum SlackPostMessageOutput {
    /// The message's timestamp, its id within the channel.
    Ts(String),
    /// The ID of the channel it was posted in.
    Channel(String),
    /// The message as Slack stored it.
    Message(Value),
}

/// Posts a message to a Slack channel, a direct message or a thread.
#[block(
    id = "471751c0-facc-4826-b8a3-f141d602f07c",
    categories(Communication, Social),
    tests = post_message_cases
)]
pub struct SlackPostMessageBlock;

impl Run for SlackPostMessageBlock {
    type Input = SlackPostMessageInput;
    type Output = SlackPostMessageOutput;

    async fn run(
        &self,
        input: SlackPostMessageInput,
        ctx: &RunContext,
        out: &Emit<SlackPostMessageOutput>,
    ) -> Result<(), BlockError> {
        let slack = SlackClient::from_credentials(ctx.http(), input.credentials.get())?;
        let mut body = json!({"channel": input.channel, "text": input.text});
        if let Some(thread) = input.thread_ts.filter(|ts| !ts.is_empty()) {
            body["thread_ts"] = json!(thread);
        }
        let posted = slack.post("chat.postMessage", &body, &format!("channel `{}`", input.channel)).await?;
        let field = |key: &str| {
            posted[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| BlockError::new(format!("Slack's answer has no `{key}`")))
        };
        out.emit(SlackPostMessageOutput::Ts(field("ts")?)).await?;
        out.emit(SlackPostMessageOutput::Channel(field("channel")?)).await?;
        out.emit(SlackPostMessageOutput::Message(posted["message"].clone())).await
    }
}

fn post_message_cases() -> Vec<TestCase<SlackPostMessageBlock>> {
    let message = json!({"type": "message", "subtype": "bot_message", "text": "Deploy finished",
                         "ts": "1503435956.000247", "bot_id": "B19LU7CSY", "username": "ecto1"});
    let posted = json!({"ok": true, "channel": "C1H9RESGL", "ts": "1503435956.000247", "message": message});
    vec![
        TestCase::new("posts a message to a channel", input("C1H9RESGL", "Deploy finished", None))
            .http(
                post("chat.postMessage", json!({"channel": "C1H9RESGL", "text": "Deploy finished"}))
                    .respond_json(200, posted.clone()),
            )
            .outputs([
                SlackPostMessageOutput::Ts("1503435956.000247".into()),
                SlackPostMessageOutput::Channel("C1H9RESGL".into()),
                SlackPostMessageOutput::Message(message.clone()),
            ]),
        TestCase::new("replies in a thread", input("C1H9RESGL", "Deploy finished", Some("1503435900.000100")))
            .http(
                post(
                    "chat.postMessage",
                    json!({"channel": "C1H9RESGL", "text": "Deploy finished", "thread_ts": "1503435900.000100"}),
                )
                .respond_json(200, posted),
            )
            .output_where("ts", "the reply's ts", |ts| ts == "1503435956.000247")
            .output_where("channel", "the channel", |c| c == "C1H9RESGL")
            .output_where("message", "the message", Value::is_object),
        TestCase::new("names the channel Slack does not know", input("C404", "Hi", None))
            .http(refused(post("chat.postMessage", json!({"channel": "C404", "text": "Hi"})), "channel_not_found"))
            .error_containing("Slack found no channel `C404` (channel_not_found)"),
        TestCase::new("says the app must be invited to the channel", input("C1", "Hi", None))
            .http(refused(post("chat.postMessage", json!({"channel": "C1", "text": "Hi"})), "not_in_channel"))
            .error_containing("the Slack app is not in channel `C1`; invite it"),
        TestCase::new("explains a revoked token", input("C1", "Hi", None))
            .http(refused(post("chat.postMessage", json!({"channel": "C1", "text": "Hi"})), "token_revoked"))
            .error_containing("Slack refused the credentials (token_revoked)"),
        TestCase::new("names the missing scope", input("C1", "Hi", None))
            .http(post("chat.postMessage", json!({"channel": "C1", "text": "Hi"})).respond_json(
                200,
                json!({"ok": false, "error": "missing_scope", "needed": "chat:write", "provided": "channels:read"}),
            ))
            .error_containing("lacks the scope chat:write that chat.postMessage needs (it has: channels:read)"),
        TestCase::new("says how long the rate limit holds", input("C1", "Hi", None))
            .http(
                post("chat.postMessage", json!({"channel": "C1", "text": "Hi"}))
                    .respond_json(429, json!({"ok": false, "error": "ratelimited"}))
                    .response_header("retry-after", "30"),
            )
            .error_containing("Slack rate limited chat.postMessage until 30 seconds from now"),
        TestCase::json("needs some text", json!({"channel": "C1", "text": "", "credentials": test_meta()}))
            .invalid_input(["/text"]),
    ]
}

fn input(channel: &str, text: &str, thread: Option<&str>) -> SlackPostMessageInput {
    SlackPostMessageInput {
        channel: channel.into(),
        text: text.into(),
        thread_ts: thread.map(Into::into),
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: SlackCredentials = Credentials::test();
    json!(credentials.meta())
}
