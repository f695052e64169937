//! `TelegramSendMessageBlock`: sends a text message with `sendMessage`.

use block_core::http::Exchange;
use block_core::prelude::*;

use super::{Telegram, TelegramClient};

/// How Telegram formats the text.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseMode {
    /// Plain text.
    Plain,
    /// Telegram's MarkdownV2.
    MarkdownV2,
    /// Telegram's subset of HTML.
    Html,
}

impl ParseMode {
    fn as_param(self) -> Option<&'static str> {
        match self {
            ParseMode::Plain => None,
            ParseMode::MarkdownV2 => Some("MarkdownV2"),
            ParseMode::Html => Some("HTML"),
        }
    }
}

/// Inputs of `TelegramSendMessageBlock`.
#[derive(BlockInput)]
pub struct TelegramSendMessageInput {
    /// The chat: its numeric id, or `@channelusername` for a public channel.
    #[block_input(placeholder = "123456789", min_length = 1)]
    pub chat_id: String,
    /// The message.
    #[block_input(min_length = 1, max_length = 4096)]
    pub text: String,
    /// How Telegram formats the text.
    #[block_input(default = "plain")]
    pub parse_mode: ParseMode,
    /// Send it silently: users get a notification without sound.
    #[block_input(default = false, advanced)]
    pub disable_notification: bool,
    /// The id of a message in the chat to reply to.
    #[block_input(advanced)]
    pub reply_to_message_id: Option<i64>,
    /// The bot's token from @BotFather.
    pub credentials: Credentials<Telegram, ApiKey>,
}

/// Outputs of `TelegramSendMessageBlock`.
#[derive(BlockOutput)]
pub enum TelegramSendMessageOutput {
    /// The sent message's id in the chat.
    MessageId(i64),
    /// The sent message, as Telegram describes it.
    Message(Value),
}

/// Sends a text message to a Telegram chat, group or channel as a bot.
#[block(id = "099ad27b-4c5f-4e2b-afbb-f03e14604f96", categories(Communication, Social), tests = send_message_cases)]
pub struct TelegramSendMessageBlock;

impl Run for TelegramSendMessageBlock {
    type Input = TelegramSendMessageInput;
    type Output = TelegramSendMessageOutput;

    async fn run(
        &self,
        input: TelegramSendMessageInput,
        ctx: &RunContext,
        out: &Emit<TelegramSendMessageOutput>,
    ) -> Result<(), BlockError> {
        let telegram = TelegramClient::new(ctx.http(), input.credentials.api_key())?;
        let chat = input.chat_id.trim();
        // Telegram takes a numeric id as a number and a channel's @name as text.
        let chat_id = chat.parse::<i64>().map_or_else(|_| json!(chat), |id| json!(id));
        let mut params = json!({"chat_id": chat_id, "text": input.text});
        if let Some(mode) = input.parse_mode.as_param() {
            params["parse_mode"] = json!(mode);
        }
        if input.disable_notification {
            params["disable_notification"] = json!(true);
        }
        if let Some(message_id) = input.reply_to_message_id {
            params["reply_parameters"] = json!({"message_id": message_id});
        }
        let sent = telegram.call("sendMessage", &params, &format!("chat `{chat}`"), None).await?;
        let id = sent["message_id"].as_i64().ok_or_else(|| BlockError::new("Telegram's answer has no `message_id`"))?;
        out.emit(TelegramSendMessageOutput::MessageId(id)).await?;
        out.emit(TelegramSendMessageOutput::Message(sent)).await
    }
}

/// The test credentials' token, as it sits in the path.
const SEND_URL: &str = "https://api.telegram.org/botmock-telegram-api-key/sendMessage";

fn send(params: Value) -> Exchange {
    Exchange::post(SEND_URL).header("content-type", "application/json").json_body(params)
}

fn send_message_cases() -> Vec<TestCase<TelegramSendMessageBlock>> {
    let message = json!({
        "message_id": 1365,
        "from": {"id": 987654321, "is_bot": true, "first_name": "Blocks", "username": "blocks_bot"},
        "chat": {"id": 1111111, "first_name": "Test", "last_name": "Test Lastname", "username": "Test", "type": "private"},
        "date": 1441645532,
        "text": "Deploy finished",
    });
    let sent = json!({"ok": true, "result": message});
    vec![
        TestCase::new("sends a message to a chat by its id", input("1111111", "Deploy finished"))
            .http(send(json!({"chat_id": 1111111, "text": "Deploy finished"})).respond_json(200, sent.clone()))
            .outputs([TelegramSendMessageOutput::MessageId(1365), TelegramSendMessageOutput::Message(message.clone())]),
        TestCase::new(
            "formats, silences and replies when asked",
            TelegramSendMessageInput {
                parse_mode: ParseMode::MarkdownV2,
                disable_notification: true,
                reply_to_message_id: Some(1364),
                ..input("@blocks_news", "*Deploy* finished")
            },
        )
        .http(
            send(json!({"chat_id": "@blocks_news", "text": "*Deploy* finished", "parse_mode": "MarkdownV2",
                        "disable_notification": true, "reply_parameters": {"message_id": 1364}}))
            .respond_json(200, sent),
        )
        .output(TelegramSendMessageOutput::MessageId(1365))
        .output_where("message", "the message", Value::is_object),
        TestCase::new("names the chat Telegram does not know", input("42", "Hi"))
            .http(send(json!({"chat_id": 42, "text": "Hi"})).respond_json(
                400,
                json!({"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}),
            ))
            .error_containing("Telegram found no chat `42` (Bad Request: chat not found)"),
        TestCase::new("explains a user who blocked the bot", input("42", "Hi"))
            .http(send(json!({"chat_id": 42, "text": "Hi"})).respond_json(
                403,
                json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
            ))
            .error_containing("Telegram forbade it: Forbidden: bot was blocked by the user"),
        TestCase::new("explains a token Telegram refuses", input("42", "Hi"))
            .http(
                send(json!({"chat_id": 42, "text": "Hi"}))
                    .respond_json(401, json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
            )
            .error_containing("Telegram refused the bot token (401: Unauthorized)"),
        TestCase::new("says how long flood control holds", input("42", "Hi"))
            .http(send(json!({"chat_id": 42, "text": "Hi"})).respond_json(
                429,
                json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 35",
                       "parameters": {"retry_after": 35}}),
            ))
            .error_containing("Telegram rate limited the bot until 35 seconds from now"),
        TestCase::json("needs some text", json!({"chat_id": "42", "text": "", "credentials": test_meta()}))
            .invalid_input(["/text"]),
    ]
}

fn input(chat: &str, text: &str) -> TelegramSendMessageInput {
    TelegramSendMessageInput {
        chat_id: chat.into(),
        text: text.into(),
        parse_mode: ParseMode::Plain,
        disable_notification: false,
        reply_to_message_id: None,
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: Credentials<Telegram, ApiKey> = Credentials::test();
    json!(credentials.meta())
}
