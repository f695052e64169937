//! `TwilioIncomingSmsTriggerBlock`: runs on every message a Twilio number receives.

use block_core::prelude::*;
use block_core::webhooks::WebhookReply;

use super::Twilio;
use super::webhooks::EMPTY_TWIML;

/// Inputs of `TwilioIncomingSmsTriggerBlock`.
#[derive(BlockInput)]
pub struct TwilioIncomingSmsTriggerInput {
    /// The delivered message, filled in by the webhook.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of `TwilioIncomingSmsTriggerBlock`.
#[derive(BlockOutput)]
pub enum TwilioIncomingSmsTriggerOutput {
    /// Every parameter Twilio sent, by name.
    Payload(Value),
    /// Who sent it, in E.164 form.
    From(String),
    /// The Twilio number it was sent to.
    To(String),
    /// The text.
    Body(String),
    /// The message's SID.
    MessageSid(String),
    /// The URLs of attached media (MMS), in order.
    MediaUrls(Vec<String>),
}

/// Runs when a Twilio phone number receives an SMS or MMS. Set this block's
/// webhook URL as the number's "A message comes in" webhook (HTTP POST), and
/// give the webhook the account's auth token.
#[block(
    id = "b6715940-a0da-46e8-9e22-1ae84023ba97",
    categories(Communication, Input),
    trigger(provider = Twilio, events = ["message.received"]),
    tests = incoming_sms_cases
)]
pub struct TwilioIncomingSmsTriggerBlock;

impl Run for TwilioIncomingSmsTriggerBlock {
    type Input = TwilioIncomingSmsTriggerInput;
    type Output = TwilioIncomingSmsTriggerOutput;

    async fn run(
        &self,
        input: TwilioIncomingSmsTriggerInput,
        _ctx: &RunContext,
        out: &Emit<TwilioIncomingSmsTriggerOutput>,
    ) -> Result<(), BlockError> {
        let payload = input.payload;
        let text = |name: &str| {
            payload[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| BlockError::new(format!("the Twilio message has no `{name}` parameter")))
        };
        let (from, to, message_sid) = (text("From")?, text("To")?, text("MessageSid")?);
        let body = payload["Body"].as_str().unwrap_or_default().to_owned();
        let media_count = payload["NumMedia"].as_str().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
        let media =
            (0..media_count).filter_map(|i| payload[format!("MediaUrl{i}")].as_str().map(str::to_owned)).collect();
        out.emit(TwilioIncomingSmsTriggerOutput::Payload(payload)).await?;
        out.emit(TwilioIncomingSmsTriggerOutput::From(from)).await?;
        out.emit(TwilioIncomingSmsTriggerOutput::To(to)).await?;
        out.emit(TwilioIncomingSmsTriggerOutput::Body(body)).await?;
        out.emit(TwilioIncomingSmsTriggerOutput::MessageSid(message_sid)).await?;
        out.emit(TwilioIncomingSmsTriggerOutput::MediaUrls(media)).await
    }
}

/// The parameters of an incoming SMS, as Twilio's messaging webhook reference
/// lists them.
fn incoming(body: &str, media: &[&str]) -> Value {
    let mut params = json!({
        "ToCountry": "US", "ToState": "CA", "SmsMessageSid": "SM8b6c2a3a4f5d6e7f8a9b0c1d2e3f4a5b",
        "NumMedia": media.len().to_string(), "ToCity": "SAN FRANCISCO", "FromZip": "02903",
        "SmsSid": "SM8b6c2a3a4f5d6e7f8a9b0c1d2e3f4a5b", "FromState": "RI", "SmsStatus": "received",
        "FromCity": "PROVIDENCE", "Body": body, "FromCountry": "US", "To": "+15558675310",
        "MessagingServiceSid": "MG9752274e9e519418a7406176694466fa", "ToZip": "94105", "NumSegments": "1",
        "MessageSid": "SM8b6c2a3a4f5d6e7f8a9b0c1d2e3f4a5b", "AccountSid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "From": "+14017122661", "ApiVersion": "2010-04-01",
    });
    for (i, url) in media.iter().enumerate() {
        params[format!("MediaUrl{i}")] = json!(url);
        params[format!("MediaContentType{i}")] = json!("image/jpeg");
    }
    params
}

fn incoming_sms_cases() -> Vec<TestCase<TwilioIncomingSmsTriggerBlock>> {
    let config = || TwilioIncomingSmsTriggerInput { payload: Value::Null };
    let sms = incoming("Ahoy! We can't wait to see what you build.", &[]);
    let picture =
        "https://api.twilio.com/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Messages/MM1/Media/ME1";
    let mms = incoming("Look", &[picture]);
    let status = json!({"MessageSid": "SM8b6c2a3a4f5d6e7f8a9b0c1d2e3f4a5b", "MessageStatus": "delivered",
                        "SmsStatus": "delivered", "AccountSid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
                        "From": "+15558675310", "To": "+14017122661", "ApiVersion": "2010-04-01"});
    vec![
        TestCase::delivery(
            "runs on an incoming SMS and answers with empty TwiML",
            config(),
            "message.received",
            sms.clone(),
        )
        .replies(WebhookReply::new(block_core::http::StatusCode::OK, "text/xml", EMPTY_TWIML))
        .outputs([
            TwilioIncomingSmsTriggerOutput::Payload(sms.clone()),
            TwilioIncomingSmsTriggerOutput::From("+14017122661".into()),
            TwilioIncomingSmsTriggerOutput::To("+15558675310".into()),
            TwilioIncomingSmsTriggerOutput::Body("Ahoy! We can't wait to see what you build.".into()),
            TwilioIncomingSmsTriggerOutput::MessageSid("SM8b6c2a3a4f5d6e7f8a9b0c1d2e3f4a5b".into()),
            TwilioIncomingSmsTriggerOutput::MediaUrls(Vec::new()),
        ]),
        TestCase::delivery("lists the media of an MMS", config(), "message.received", mms)
            .output_where("payload", "the parameters", |p| p["NumMedia"] == "1")
            .output(TwilioIncomingSmsTriggerOutput::From("+14017122661".into()))
            .output(TwilioIncomingSmsTriggerOutput::To("+15558675310".into()))
            .output(TwilioIncomingSmsTriggerOutput::Body("Look".into()))
            .output_where("message_sid", "the SID", Value::is_string)
            .output(TwilioIncomingSmsTriggerOutput::MediaUrls(vec![picture.into()])),
        TestCase::delivery("ignores status callbacks", config(), "message.status", status),
        TestCase::delivery("refuses a body changed after signing", config(), "message.received", sms.clone())
            .tampered(),
        TestCase::delivery("refuses an unsigned request", config(), "message.received", sms.clone()).unsigned(),
        TestCase::delivery("refuses a request signed with another auth token", config(), "message.received", sms)
            .signed_with_another_secret(),
    ]
}
