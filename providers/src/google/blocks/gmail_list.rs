//! `GmailListMessagesBlock`: the newest messages matching a Gmail search
//! (`GET /users/me/messages`, then each one's headers with `format=metadata`).

use block_core::http::{Exchange, Method};
use block_core::prelude::*;

use crate::google::client::api_url;
use crate::google::{Google, GoogleClient};

/// Inputs of `GmailListMessagesBlock`.
#[derive(BlockInput)]
pub struct GmailListMessagesInput {
    /// A Gmail search, as in Gmail's search box: `from:ada@example.com is:unread`,
    /// `subject:invoice newer_than:7d`. Empty: every message.
    #[block_input(default = "", placeholder = "is:unread newer_than:1d")]
    pub query: String,
    /// The most messages to read.
    #[block_input(default = 10, min = 1, max = 100)]
    pub max_results: u32,
    /// A Google account connected with permission to read mail.
    #[block_input(scopes = ["https://www.googleapis.com/auth/gmail.readonly"])]
    pub credentials: Credentials<Google, OAuth2>,
}

/// Outputs of `GmailListMessagesBlock`.
#[derive(BlockOutput)]
pub enum GmailListMessagesOutput {
    /// One message: `id`, `thread_id`, `from`, `to`, `subject`, `date`, `snippet`,
    /// `labels`; newest first.
    Email(Value),
    /// Every message read.
    Emails(Vec<Value>),
}

/// Lists the newest Gmail messages matching a search, with their sender, subject,
/// date and a snippet of the text.
#[block(id = "90df6bf6-362f-45bd-9209-a5cc48082e30", categories(Communication), tests = gmail_list_cases)]
pub struct GmailListMessagesBlock;

impl Run for GmailListMessagesBlock {
    type Input = GmailListMessagesInput;
    type Output = GmailListMessagesOutput;

    async fn run(
        &self,
        input: GmailListMessagesInput,
        ctx: &RunContext,
        out: &Emit<GmailListMessagesOutput>,
    ) -> Result<(), BlockError> {
        let client = GoogleClient::new(ctx.http(), input.credentials.access_token());
        let list_url = api_url(GoogleClient::GMAIL, &["users", "me", "messages"])?;
        let max = input.max_results.to_string();
        let mut query = vec![("maxResults", max.as_str())];
        if !input.query.trim().is_empty() {
            query.push(("q", input.query.trim()));
        }
        let list = client.send(Method::GET, &list_url, &query, None, "mailbox").await?;
        let ids: Vec<&str> =
            list["messages"].as_array().into_iter().flatten().filter_map(|message| message["id"].as_str()).collect();
        let mut emails = Vec::with_capacity(ids.len());
        for id in ids {
            let url = api_url(GoogleClient::GMAIL, &["users", "me", "messages", id])?;
            let metadata = [
                ("format", "metadata"),
                ("metadataHeaders", "From"),
                ("metadataHeaders", "To"),
                ("metadataHeaders", "Subject"),
                ("metadataHeaders", "Date"),
            ];
            let message = client.send(Method::GET, &url, &metadata, None, &format!("message {id}")).await?;
            let email = summary(&message);
            out.emit(GmailListMessagesOutput::Email(email.clone())).await?;
            emails.push(email);
        }
        out.emit(GmailListMessagesOutput::Emails(emails)).await
    }
}

/// The fields a workflow needs from a message in `metadata` format.
fn summary(message: &Value) -> Value {
    let header = |name: &str| {
        message["payload"]["headers"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|h| h["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .map_or(Value::Null, |h| h["value"].clone())
    };
    json!({
        "id": message["id"],
        "thread_id": message["threadId"],
        "from": header("From"),
        "to": header("To"),
        "subject": header("Subject"),
        "date": header("Date"),
        "snippet": message["snippet"],
        "labels": message["labelIds"],
    })
}

const LIST: &str = "https://gmail.googleapis.com/gmail/v1/users/me/messages";

fn get(url: &str) -> Exchange {
    Exchange::get(url).header("authorization", "Bearer mock-google-access-token")
}

fn metadata(id: &str) -> String {
    format!(
        "{LIST}/{id}?format=metadata&metadataHeaders=From&metadataHeaders=To&metadataHeaders=Subject&metadataHeaders=Date"
    )
}

fn message(id: &str, subject: &str) -> Value {
    json!({
        "id": id, "threadId": id, "labelIds": ["UNREAD", "INBOX"], "snippet": "The invoice for March is attached",
        "sizeEstimate": 4211, "historyId": "987654", "internalDate": "1711965600000",
        "payload": {"mimeType": "multipart/alternative", "headers": [
            {"name": "From", "value": "Billing <billing@example.com>"},
            {"name": "To", "value": "ada@example.com"},
            {"name": "Subject", "value": subject},
            {"name": "Date", "value": "Mon, 1 Apr 2024 10:00:00 +0000"},
        ]},
    })
}

fn summary_of(id: &str, subject: &str) -> Value {
    json!({"id": id, "thread_id": id, "from": "Billing <billing@example.com>", "to": "ada@example.com", "subject": subject,
           "date": "Mon, 1 Apr 2024 10:00:00 +0000", "snippet": "The invoice for March is attached", "labels": ["UNREAD", "INBOX"]})
}

fn gmail_list_cases() -> Vec<TestCase<GmailListMessagesBlock>> {
    vec![
        TestCase::new("lists matching messages with their headers", input("from:billing@example.com is:unread", 2))
            .http(get(&format!("{LIST}?maxResults=2&q=from%3Abilling%40example.com+is%3Aunread")).respond_json(
                200,
                json!({
                    "messages": [{"id": "18e9a1", "threadId": "18e9a1"}, {"id": "18e9a0", "threadId": "18e9a0"}],
                    "nextPageToken": "0912", "resultSizeEstimate": 2,
                }),
            ))
            .http(get(&metadata("18e9a1")).respond_json(200, message("18e9a1", "Invoice March")))
            .http(get(&metadata("18e9a0")).respond_json(200, message("18e9a0", "Invoice February")))
            .outputs([
                GmailListMessagesOutput::Email(summary_of("18e9a1", "Invoice March")),
                GmailListMessagesOutput::Email(summary_of("18e9a0", "Invoice February")),
                GmailListMessagesOutput::Emails(vec![
                    summary_of("18e9a1", "Invoice March"),
                    summary_of("18e9a0", "Invoice February"),
                ]),
            ]),
        TestCase::new("an empty mailbox gives an empty list", input("", 10))
            .http(get(&format!("{LIST}?maxResults=10")).respond_json(200, json!({"resultSizeEstimate": 0})))
            .output(GmailListMessagesOutput::Emails(vec![])),
        TestCase::new("explains a login without the read scope", input("", 10))
            .http(get(&format!("{LIST}?maxResults=10")).respond_json(
                403,
                json!({"error": {"code": 403,
                "message": "Request had insufficient authentication scopes.", "status": "PERMISSION_DENIED"}}),
            ))
            .error_containing("Google denied access (403: Request had insufficient authentication scopes.)"),
        TestCase::json("reads at most 100 messages", json!({"max_results": 500, "credentials": test_meta()}))
            .invalid_input(["/max_results"]),
    ]
}

fn input(query: &str, max_results: u32) -> GmailListMessagesInput {
    GmailListMessagesInput { query: query.into(), max_results, credentials: Credentials::test() }
}

fn test_meta() -> Value {
    let credentials: Credentials<Google, OAuth2> = Credentials::test();
    json!(credentials.meta())
}
