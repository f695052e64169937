//! `GmailSendBlock`: sends an e-mail from the connected Gmail account
//! (`POST /gmail/v1/users/me/messages/send` with the RFC 2822 message as
//! base64url `raw`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use block_core::http::{Exchange, Method};
use block_core::prelude::*;

use crate::google::client::api_url;
use crate::google::mime::{EmailDraft, rfc2822_message};
use crate::google::{Google, GoogleClient};

/// Inputs of `GmailSendBlock`.
#[derive(BlockInput)]
pub struct GmailSendInput {
    /// Recipients: `ada@example.com` or `Ada Lovelace <ada@example.com>`.
    #[block_input(min_items = 1, max_items = 100, placeholder = r#"["ada@example.com"]"#)]
    pub to: Vec<String>,
    /// The subject.
    #[block_input(max_length = 900)]
    pub subject: String,
    /// The body.
    pub body: String,
    /// Send the body as HTML instead of plain text.
    #[block_input(default = false, advanced)]
    pub html: bool,
    /// Copy recipients.
    #[block_input(default = [], advanced)]
    pub cc: Vec<String>,
    /// Blind copy recipients.
    #[block_input(default = [], advanced)]
    pub bcc: Vec<String>,
    /// Where replies should go, if not to the sender.
    #[block_input(advanced)]
    pub reply_to: Option<String>,
    /// A Google account connected with permission to send mail.
    #[block_input(scopes = ["https://www.googleapis.com/auth/gmail.send"])]
    pub credentials: Credentials<Google, OAuth2>,
}

/// Outputs of `GmailSendBlock`.
#[derive(BlockOutput)]
pub enum GmailSendOutput {
    /// The sent message's id.
    MessageId(String),
    /// The id of its conversation.
    ThreadId(String),
}

/// Sends an e-mail (plain text or HTML, with copies) from the connected Gmail
/// account.
#[block(id = "6c1eb446-ba7a-4be7-b2a4-046d05566fee", categories(Communication), tests = gmail_send_cases)]
pub struct GmailSendBlock;

impl Run for GmailSendBlock {
    type Input = GmailSendInput;
    type Output = GmailSendOutput;

    async fn run(
        &self,
        input: GmailSendInput,
        ctx: &RunContext,
        out: &Emit<GmailSendOutput>,
    ) -> Result<(), BlockError> {
        let message = rfc2822_message(&EmailDraft {
            to: input.to,
            cc: input.cc,
            bcc: input.bcc,
            reply_to: input.reply_to,
            subject: input.subject,
            body: input.body,
            html: input.html,
        })?;
        let raw = URL_SAFE.encode(message.as_bytes());
        let client = GoogleClient::new(ctx.http(), input.credentials.access_token());
        let url = api_url(GoogleClient::GMAIL, &["users", "me", "messages", "send"])?;
        let sent = client.send(Method::POST, &url, &[], Some(&json!({"raw": raw})), "mailbox").await?;
        let id = sent["id"].as_str().ok_or_else(|| BlockError::new("Gmail's answer has no message `id`"))?;
        out.emit(GmailSendOutput::MessageId(id.to_owned())).await?;
        out.emit(GmailSendOutput::ThreadId(sent["threadId"].as_str().unwrap_or_default().to_owned())).await
    }
}

const URL: &str = "https://gmail.googleapis.com/gmail/v1/users/me/messages/send";

/// A send request whose `raw`, decoded, is exactly `message`.
fn send(message: &'static str) -> Exchange {
    Exchange::post(URL)
        .header("authorization", "Bearer mock-google-access-token")
        .header("content-type", "application/json")
        .body_matches(move |body| {
            let raw = serde_json::from_slice::<Value>(body).ok().and_then(|b| b["raw"].as_str().map(str::to_owned));
            raw.and_then(|raw| URL_SAFE.decode(raw).ok()).is_some_and(|decoded| decoded == message.as_bytes())
        })
}

fn gmail_send_cases() -> Vec<TestCase<GmailSendBlock>> {
    let sent = json!({"id": "18c2d5ae1f0a9b3c", "threadId": "18c2d5ae1f0a9b3c", "labelIds": ["SENT"]});
    let outputs = || {
        [GmailSendOutput::MessageId("18c2d5ae1f0a9b3c".into()), GmailSendOutput::ThreadId("18c2d5ae1f0a9b3c".into())]
    };
    vec![
        TestCase::new("sends a plain text e-mail as a base64url RFC 2822 message", input())
            .http(send("To: ada@example.com\r\nSubject: Report ready\r\nMIME-Version: 1.0\r\n\
                        Content-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
                        VGhlIHJlcG9ydCBpcyBhdHRhY2hlZC4=\r\n")
                .respond_json(200, sent.clone()))
            .outputs(outputs()),
        TestCase::new("sends HTML with copies and a non-ASCII subject", GmailSendInput {
            html: true,
            subject: "Café".into(),
            body: "<b>Hi</b>".into(),
            cc: vec!["Bob <bob@example.com>".into()],
            bcc: vec!["audit@example.com".into()],
            ..input()
        })
        .http(send("To: ada@example.com\r\nCc: \"Bob\" <bob@example.com>\r\nBcc: audit@example.com\r\n\
                    Subject: =?UTF-8?B?Q2Fmw6k=?=\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=\"UTF-8\"\r\n\
                    Content-Transfer-Encoding: base64\r\n\r\nPGI+SGk8L2I+\r\n")
            .respond_json(200, sent))
        .outputs(outputs()),
        TestCase::new("refuses a subject that would inject headers", GmailSendInput { subject: "Hi\nBcc: x@example.com".into(), ..input() })
            .error_containing("input `subject` may not hold a line break"),
        TestCase::new("names a malformed recipient", GmailSendInput { to: vec!["ada at example".into()], ..input() })
            .error_containing("input `to`: `ada at example` is not an e-mail address"),
        TestCase::new("explains a login without the send scope", input())
            .http(Exchange::post(URL).respond_json(403, json!({"error": {"code": 403, "message": "Request had insufficient authentication scopes.",
                "status": "PERMISSION_DENIED", "errors": [{"message": "Insufficient Permission", "domain": "global", "reason": "insufficientPermissions"}]}})))
            .error_containing("Google denied access (403: Request had insufficient authentication scopes.)"),
        TestCase::new("explains an expired login", input())
            .http(Exchange::post(URL).respond_json(401, json!({"error": {"code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"}})))
            .error_containing("Google refused the credentials (401"),
        TestCase::new("says until when the rate limit holds", input())
            .http(Exchange::post(URL)
                .respond_json(429, json!({"error": {"code": 429, "message": "User-rate limit exceeded.", "status": "RESOURCE_EXHAUSTED"}}))
                .response_header("retry-after", "30"))
            .error_containing("Google rate limited these credentials until 30 seconds from now"),
    ]
}

fn input() -> GmailSendInput {
    GmailSendInput {
        to: vec!["ada@example.com".into()],
        subject: "Report ready".into(),
        body: "The report is attached.".into(),
        html: false,
        cc: vec![],
        bcc: vec![],
        reply_to: None,
        credentials: Credentials::test(),
    }
}
