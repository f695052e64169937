//! `SlackEventTriggerBlock`: runs on the Events API events a Slack app subscribes
//! to, each chosen in its event filter.

use block_core::prelude::*;
use block_core::webhooks::WebhookReply;

use super::Slack;

/// The Events API events to run on; each one checked subscribes to
/// `event_callback.<event>`. The app must subscribe to them too, under Event
/// Subscriptions.
#[derive(BlockInput, Default)]
pub struct SlackEvents {
    /// A message was posted in a channel the app is in (`message.channels` and
    /// the like).
    #[block_input(default = false)]
    pub message: bool,
    /// Someone mentioned the app.
    #[block_input(default = false)]
    pub app_mention: bool,
    /// Someone added an emoji reaction.
    #[block_input(default = false)]
    pub reaction_added: bool,
    /// Someone removed an emoji reaction.
    #[block_input(default = false)]
    pub reaction_removed: bool,
    /// Someone joined a channel.
    #[block_input(default = false)]
    pub member_joined_channel: bool,
    /// A channel was created.
    #[block_input(default = false)]
    pub channel_created: bool,
    /// Someone joined the workspace.
    #[block_input(default = false)]
    pub team_join: bool,
}

/// Inputs of `SlackEventTriggerBlock`.
#[derive(BlockInput)]
pub struct SlackEventTriggerInput {
    /// The events to run on.
    #[block_input(event_filter)]
    pub events: SlackEvents,
    /// The delivered event, filled in by the webhook.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of `SlackEventTriggerBlock`.
#[derive(BlockOutput)]
pub enum SlackEventTriggerOutput {
    /// The whole delivery, as Slack sent it.
    Payload(Value),
    /// The event's type, e.g. `app_mention`.
    EventType(String),
    /// The event itself: `user`, `channel`, `text`, `ts`, ... as the type has them.
    Event(Value),
    /// The workspace it happened in.
    TeamId(String),
    /// Slack's id of the delivery (the same on every retry of it).
    EventId(String),
}

/// Runs when a Slack app receives an event it subscribes to (a message, a mention,
/// a reaction, ...), delivered by the Events API to this block's webhook. Set the
/// webhook's URL as the app's Request URL, and give the webhook the app's signing
/// secret.
#[block(
    id = "c79e9197-5985-44cf-b3c9-45c56be6b60e",
    categories(Communication, Input),
    trigger(provider = Slack, event = "event_callback"),
    tests = slack_event_cases
)]
pub struct SlackEventTriggerBlock;

impl Run for SlackEventTriggerBlock {
    type Input = SlackEventTriggerInput;
    type Output = SlackEventTriggerOutput;

    async fn run(
        &self,
        input: SlackEventTriggerInput,
        _ctx: &RunContext,
        out: &Emit<SlackEventTriggerOutput>,
    ) -> Result<(), BlockError> {
        let payload = input.payload;
        let text = |value: &Value, key: &str| {
            value[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| BlockError::new(format!("the Slack event has no `{key}` of the expected type")))
        };
        let event = payload["event"].clone();
        let event_type = text(&event, "type")?;
        let team_id = text(&payload, "team_id")?;
        let event_id = text(&payload, "event_id")?;
        out.emit(SlackEventTriggerOutput::Payload(payload)).await?;
        out.emit(SlackEventTriggerOutput::EventType(event_type)).await?;
        out.emit(SlackEventTriggerOutput::Event(event)).await?;
        out.emit(SlackEventTriggerOutput::TeamId(team_id)).await?;
        out.emit(SlackEventTriggerOutput::EventId(event_id)).await
    }
}

/// An `app_mention` delivery, as in Slack's Events API documentation.
fn app_mention() -> Value {
    callback(json!({
        "type": "app_mention",
        "user": "U061F7AUR",
        "text": "<@U0LAN0Z89> is it everything a river should be?",
        "ts": "1515449522.000016",
        "channel": "C123ABC456",
        "event_ts": "1515449522.000016",
    }))
}

/// A `reaction_added` delivery, as in Slack's event reference.
fn reaction_added() -> Value {
    callback(json!({
        "type": "reaction_added",
        "user": "U123ABC456",
        "reaction": "thumbsup",
        "item_user": "U222222222",
        "item": {"type": "message", "channel": "C123ABC456", "ts": "1360782400.498405"},
        "event_ts": "1360782804.083113",
    }))
}

/// `event` wrapped as the Events API delivers it.
fn callback(event: Value) -> Value {
    json!({
        "token": "XXYYZZ",
        "team_id": "T123ABC456",
        "api_app_id": "A123ABC456",
        "event": event,
        "type": "event_callback",
        "authed_users": ["U0LAN0Z89"],
        "event_id": "Ev123ABC456",
        "event_time": 1515449522,
    })
}

fn slack_event_cases() -> Vec<TestCase<SlackEventTriggerBlock>> {
    let on = |events: SlackEvents| SlackEventTriggerInput { events, payload: Value::Null };
    let mentions = || on(SlackEvents { app_mention: true, ..SlackEvents::default() });
    let mention = app_mention();
    let challenge = json!({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
                           "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                           "type": "url_verification"});
    vec![
        TestCase::delivery("runs when the app is mentioned", mentions(), "event_callback.app_mention", mention.clone())
            .outputs([
                SlackEventTriggerOutput::Payload(mention.clone()),
                SlackEventTriggerOutput::EventType("app_mention".into()),
                SlackEventTriggerOutput::Event(mention["event"].clone()),
                SlackEventTriggerOutput::TeamId("T123ABC456".into()),
                SlackEventTriggerOutput::EventId("Ev123ABC456".into()),
            ]),
        TestCase::delivery(
            "runs on a reaction when reactions are chosen",
            on(SlackEvents { reaction_added: true, ..SlackEvents::default() }),
            "event_callback.reaction_added",
            reaction_added(),
        )
        .output_where("payload", "the delivery", |p| p["event"]["reaction"] == "thumbsup")
        .output(SlackEventTriggerOutput::EventType("reaction_added".into()))
        .output_where("event", "the reaction", |e| e["item"]["ts"] == "1360782400.498405")
        .output(SlackEventTriggerOutput::TeamId("T123ABC456".into()))
        .output(SlackEventTriggerOutput::EventId("Ev123ABC456".into())),
        TestCase::delivery(
            "ignores events that were not chosen",
            mentions(),
            "event_callback.reaction_added",
            reaction_added(),
        ),
        TestCase::delivery(
            "answers the url_verification handshake with its challenge",
            mentions(),
            "url_verification",
            challenge,
        )
        .replies(WebhookReply::text("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")),
        TestCase::delivery(
            "refuses a body changed after signing",
            mentions(),
            "event_callback.app_mention",
            mention.clone(),
        )
        .tampered(),
        TestCase::delivery("refuses an unsigned request", mentions(), "event_callback.app_mention", mention.clone())
            .unsigned(),
        TestCase::delivery(
            "refuses a request signed over five minutes ago",
            mentions(),
            "event_callback.app_mention",
            mention.clone(),
        )
        .replayed(),
        TestCase::delivery(
            "refuses a request signed with another app's secret",
            mentions(),
            "event_callback.app_mention",
            mention,
        )
        .signed_with_another_secret(),
    ]
}
