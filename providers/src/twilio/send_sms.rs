//! `TwilioSendSmsBlock`: sends an SMS by creating a Message resource.

use block_core::http::Exchange;
use block_core::prelude::*;

use super::{Twilio, TwilioClient};

/// Inputs of `TwilioSendSmsBlock`.
#[derive(BlockInput)]
pub struct TwilioSendSmsInput {
    /// The recipient's phone number, in E.164 form.
    #[block_input(placeholder = "+15558675310", min_length = 2)]
    pub to: String,
    /// The text, up to 1600 characters (longer ones are sent in segments).
    #[block_input(min_length = 1, max_length = 1600)]
    pub body: String,
    /// The Twilio phone number to send from, in E.164 form.
    #[block_input(placeholder = "+15017122661")]
    pub from: Option<String>,
    /// A Messaging Service to send through instead of one number (`MG...`).
    #[block_input(advanced)]
    pub messaging_service_sid: Option<String>,
    /// The account SID (as user name) and auth token (as password), from the
    /// Twilio Console.
    pub credentials: Credentials<Twilio, UserPassword>,
}

/// Outputs of `TwilioSendSmsBlock`.
#[derive(BlockOutput)]
pub enum TwilioSendSmsOutput {
    /// The message's SID, `SM...`.
    Sid(String),
    /// Its status, usually `queued` or `accepted`.
    Status(String),
    /// The message, as Twilio describes it.
    Message(Value),
}

/// Sends an SMS through Twilio, from one of the account's numbers or a
/// Messaging Service.
#[block(id = "0d622dbf-dafa-480a-b1a2-dea00e50b901", categories(Communication), tests = send_sms_cases)]
pub struct TwilioSendSmsBlock;

impl Run for TwilioSendSmsBlock {
    type Input = TwilioSendSmsInput;
    type Output = TwilioSendSmsOutput;

    async fn run(
        &self,
        input: TwilioSendSmsInput,
        ctx: &RunContext,
        out: &Emit<TwilioSendSmsOutput>,
    ) -> Result<(), BlockError> {
        let twilio = TwilioClient::new(ctx.http(), input.credentials.get())?;
        let given = |text: &Option<String>| text.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
        let sender = match (given(&input.from), given(&input.messaging_service_sid)) {
            (Some(from), None) => ("From", from),
            (None, Some(service)) => ("MessagingServiceSid", service),
            _ => {
                return Err(BlockError::new(
                    "give either `from` (a Twilio number) or `messaging_service_sid`, not both",
                ));
            }
        };
        let pairs = [("To", input.to.trim()), ("Body", input.body.as_str()), (sender.0, sender.1.as_str())];
        let target = format!("account `{}`", twilio.account_sid());
        let message = twilio.post_form("/Messages.json", &pairs, &target).await?;
        let text = |key: &str| {
            message[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| BlockError::new(format!("Twilio's answer has no `{key}`")))
        };
        out.emit(TwilioSendSmsOutput::Sid(text("sid")?)).await?;
        out.emit(TwilioSendSmsOutput::Status(text("status")?)).await?;
        out.emit(TwilioSendSmsOutput::Message(message)).await
    }
}

/// The Messages resource of the test credentials' account (`mock-user`).
const MESSAGES_URL: &str = "https://api.twilio.com/2010-04-01/Accounts/mock-user/Messages.json";

/// A `POST` of the form `body` with the test credentials as HTTP Basic.
fn create(body: &str) -> Exchange {
    // base64("mock-user:mock-twilio-password")
    Exchange::post(MESSAGES_URL)
        .header("authorization", "Basic bW9jay11c2VyOm1vY2stdHdpbGlvLXBhc3N3b3Jk")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
}

fn send_sms_cases() -> Vec<TestCase<TwilioSendSmsBlock>> {
    let message = json!({
        "account_sid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "api_version": "2010-04-01",
        "body": "Hi there",
        "date_created": "Thu, 24 Aug 2023 05:01:45 +0000",
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": "+14155552345",
        "messaging_service_sid": null,
        "num_media": "0",
        "num_segments": "1",
        "price": null,
        "sid": "SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "status": "queued",
        "to": "+14155552345",
        "uri": "/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Messages/SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX.json",
    });
    let sent = || {
        [
            TwilioSendSmsOutput::Sid("SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX".into()),
            TwilioSendSmsOutput::Status("queued".into()),
            TwilioSendSmsOutput::Message(message.clone()),
        ]
    };
    vec![
        TestCase::new("sends an SMS from a Twilio number", input(Some("+15017122661"), None))
            .http(create("To=%2B15558675310&Body=Hi+there&From=%2B15017122661").respond_json(201, message.clone()))
            .outputs(sent()),
        TestCase::new("sends through a Messaging Service", input(None, Some("MGXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")))
            .http(
                create("To=%2B15558675310&Body=Hi+there&MessagingServiceSid=MGXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
                    .respond_json(201, message.clone()),
            )
            .outputs(sent()),
        TestCase::new("passes on Twilio's numbered error", input(Some("+15017122661"), None))
            .http(create("To=%2B15558675310&Body=Hi+there&From=%2B15017122661").respond_json(
                400,
                json!({"code": 21211, "message": "Invalid 'To' Phone Number: +1555867XXXX",
                       "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}),
            ))
            .error_containing("Twilio rejected the request (error 21211: Invalid 'To' Phone Number: +1555867XXXX); see https://www.twilio.com/docs/errors/21211"),
        TestCase::new("explains an auth token Twilio refuses", input(Some("+15017122661"), None))
            .http(create("To=%2B15558675310&Body=Hi+there&From=%2B15017122661").respond_json(
                401,
                json!({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
                       "status": 401}),
            ))
            .error_containing("Twilio refused the account SID and auth token (401, error 20003: Authenticate)"),
        TestCase::new("names the account Twilio does not know", input(Some("+15017122661"), None))
            .http(create("To=%2B15558675310&Body=Hi+there&From=%2B15017122661").respond_json(
                404,
                json!({"code": 20404, "message": "The requested resource /2010-04-01/Accounts/mock-user/Messages.json was not found",
                       "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}),
            ))
            .error_containing("Twilio found no account `mock-user` (404, error 20404"),
        TestCase::new("says how long the rate limit holds", input(Some("+15017122661"), None))
            .http(
                create("To=%2B15558675310&Body=Hi+there&From=%2B15017122661")
                    .respond_json(429, json!({"code": 20429, "message": "Too Many Requests", "status": 429}))
                    .response_header("retry-after", "2"),
            )
            .error_containing("Twilio rate limited the account until 2 seconds from now"),
        TestCase::new("needs one sender", input(Some("+15017122661"), Some("MG1")))
            .error_containing("give either `from` (a Twilio number) or `messaging_service_sid`, not both"),
    ]
}

fn input(from: Option<&str>, service: Option<&str>) -> TwilioSendSmsInput {
    TwilioSendSmsInput {
        to: "+15558675310".into(),
        body: "Hi there".into(),
        from: from.map(Into::into),
        messaging_service_sid: service.map(Into::into),
        credentials: Credentials::test(),
    }
}
