//! `TelegramMessageTriggerBlock`: runs on every message a bot receives.

use block_core::prelude::*;

use super::Telegram;

/// Inputs of `TelegramMessageTriggerBlock`.
#[derive(BlockInput)]
pub struct TelegramMessageTriggerInput {
    /// The bot's token from @BotFather; the webhook is registered with it.
    pub credentials: Credentials<Telegram, ApiKey>,
    /// The delivered update, filled in by the webhook.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of `TelegramMessageTriggerBlock`.
#[derive(BlockOutput)]
pub enum TelegramMessageTriggerOutput {
    /// The whole update, as Telegram sent it.
    Payload(Value),
    /// The message.
    Message(Value),
    /// Its text, or the caption of a photo or file; empty when it has neither.
    Text(String),
    /// The chat it was sent in; reply there with the send message block.
    ChatId(i64),
    /// Who sent it (absent in channels: null).
    From(Value),
    /// The message's id in the chat.
    MessageId(i64),
}

/// Runs when a Telegram bot receives a message: in a private chat, or in a group
/// it is in (as its privacy mode allows). The bot's webhook is set up with its
/// token.
#[block(
    id = "b7d6936a-4c14-456a-b024-9df65d189a6d",
    categories(Communication, Input),
    trigger(provider = Telegram, events = ["message"]),
    tests = message_trigger_cases
)]
pub struct TelegramMessageTriggerBlock;

impl Run for TelegramMessageTriggerBlock {
    type Input = TelegramMessageTriggerInput;
    type Output = TelegramMessageTriggerOutput;

    async fn run(
        &self,
        input: TelegramMessageTriggerInput,
        _ctx: &RunContext,
        out: &Emit<TelegramMessageTriggerOutput>,
    ) -> Result<(), BlockError> {
        let payload = input.payload;
        let message = payload["message"].clone();
        let number = |value: &Value, path: &str| {
            value.as_i64().ok_or_else(|| BlockError::new(format!("the Telegram update has no `message.{path}`")))
        };
        let chat_id = number(&message["chat"]["id"], "chat.id")?;
        let message_id = number(&message["message_id"], "message_id")?;
        let text = message["text"].as_str().or_else(|| message["caption"].as_str()).unwrap_or_default().to_owned();
        let from = message.get("from").cloned().unwrap_or(Value::Null);
        out.emit(TelegramMessageTriggerOutput::Payload(payload)).await?;
        out.emit(TelegramMessageTriggerOutput::Message(message)).await?;
        out.emit(TelegramMessageTriggerOutput::Text(text)).await?;
        out.emit(TelegramMessageTriggerOutput::ChatId(chat_id)).await?;
        out.emit(TelegramMessageTriggerOutput::From(from)).await?;
        out.emit(TelegramMessageTriggerOutput::MessageId(message_id)).await
    }
}

/// A message update, as in the Bot API's webhook examples.
fn text_update() -> Value {
    json!({
        "update_id": 10000,
        "message": {
            "date": 1441645532,
            "chat": {"last_name": "Test Lastname", "id": 1111111, "first_name": "Test", "username": "Test", "type": "private"},
            "message_id": 1365,
            "from": {"last_name": "Test Lastname", "id": 1111111, "first_name": "Test", "username": "Test", "is_bot": false},
            "text": "/start",
        },
    })
}

fn message_trigger_cases() -> Vec<TestCase<TelegramMessageTriggerBlock>> {
    let config = || TelegramMessageTriggerInput { credentials: Credentials::test(), payload: Value::Null };
    let update = text_update();
    let message = update["message"].clone();
    let mut photo = text_update();
    if let Some(fields) = photo["message"].as_object_mut() {
        fields.remove("text");
    }
    photo["message"]["caption"] = json!("Look at this");
    photo["message"]["photo"] = json!([{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 60}]);
    let edited = json!({"update_id": 10001, "edited_message": message.clone()});
    vec![
        TestCase::delivery("runs on a text message", config(), "message", update.clone()).outputs([
            TelegramMessageTriggerOutput::Payload(update.clone()),
            TelegramMessageTriggerOutput::Message(message.clone()),
            TelegramMessageTriggerOutput::Text("/start".into()),
            TelegramMessageTriggerOutput::ChatId(1111111),
            TelegramMessageTriggerOutput::From(message["from"].clone()),
            TelegramMessageTriggerOutput::MessageId(1365),
        ]),
        TestCase::delivery("gives a photo's caption as its text", config(), "message", photo)
            .output_where("payload", "the update", |u| u["message"]["photo"].is_array())
            .output_where("message", "the message", |m| m["caption"] == "Look at this")
            .output(TelegramMessageTriggerOutput::Text("Look at this".into()))
            .output(TelegramMessageTriggerOutput::ChatId(1111111))
            .output_where("from", "the sender", |f| f["id"] == 1111111)
            .output(TelegramMessageTriggerOutput::MessageId(1365)),
        TestCase::delivery("ignores edited messages", config(), "edited_message", edited),
        TestCase::delivery("refuses an update without the secret token", config(), "message", update.clone())
            .unsigned(),
        TestCase::delivery("refuses an update with another secret token", config(), "message", update)
            .signed_with_another_secret(),
    ]
}
