//! `LinearIssueTriggerBlock`: runs when issues of a Linear workspace are created,
//! updated or removed.

use block_core::prelude::*;

use super::Linear;

/// The issue actions to run on; each one checked subscribes to `Issue.<action>`.
#[derive(BlockInput, Default)]
pub struct LinearIssueEvents {
    /// An issue was created.
    #[block_input(default = false)]
    pub create: bool,
    /// An issue was changed.
    #[block_input(default = false)]
    pub update: bool,
    /// An issue was deleted or archived.
    #[block_input(default = false)]
    pub remove: bool,
}

/// Inputs of `LinearIssueTriggerBlock`.
#[derive(BlockInput)]
pub struct LinearIssueTriggerInput {
    /// The issue actions to run on. The Linear webhook must include issues.
    #[block_input(event_filter)]
    pub events: LinearIssueEvents,
    /// The delivered event, filled in by the webhook.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of `LinearIssueTriggerBlock`.
#[derive(BlockOutput)]
pub enum LinearIssueTriggerOutput {
    /// The whole delivery, as Linear sent it.
    Payload(Value),
    /// The action: `create`, `update` or `remove`.
    Action(String),
    /// The issue as it is now.
    Issue(Value),
    /// The issue's page on linear.app.
    Url(String),
    /// For an update, the previous values of the fields that changed; otherwise null.
    UpdatedFrom(Value),
}

/// Runs when an issue of a Linear workspace is created, updated or removed,
/// delivered by a Linear webhook whose URL is this block's webhook. Give the
/// webhook the signing secret Linear shows once it is created.
#[block(
    id = "7cf0a176-4ad9-45f1-8152-12a6b05d7050",
    categories(IssueTracking, Input),
    trigger(provider = Linear, event = "Issue"),
    tests = issue_trigger_cases
)]
pub struct LinearIssueTriggerBlock;

impl Run for LinearIssueTriggerBlock {
    type Input = LinearIssueTriggerInput;
    type Output = LinearIssueTriggerOutput;

    async fn run(
        &self,
        input: LinearIssueTriggerInput,
        _ctx: &RunContext,
        out: &Emit<LinearIssueTriggerOutput>,
    ) -> Result<(), BlockError> {
        let payload = input.payload;
        let text = |key: &str| {
            payload[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| BlockError::new(format!("the Linear delivery has no `{key}` of the expected type")))
        };
        let action = text("action")?;
        let url = text("url")?;
        let issue = payload["data"].clone();
        let updated_from = payload.get("updatedFrom").cloned().unwrap_or(Value::Null);
        out.emit(LinearIssueTriggerOutput::Payload(payload)).await?;
        out.emit(LinearIssueTriggerOutput::Action(action)).await?;
        out.emit(LinearIssueTriggerOutput::Issue(issue)).await?;
        out.emit(LinearIssueTriggerOutput::Url(url)).await?;
        out.emit(LinearIssueTriggerOutput::UpdatedFrom(updated_from)).await
    }
}

/// An issue delivery shaped as in Linear's webhook documentation; the harness
/// sets `webhookTimestamp` when it signs.
fn issue_event(action: &str, updated_from: Option<Value>) -> Value {
    let mut event = json!({
        "action": action,
        "type": "Issue",
        "createdAt": "2024-05-01T10:00:00.000Z",
        "actor": {"id": "5ec1c5c1-2c5f-4c26-9a5b-6ad2e9f8a001", "type": "user", "name": "Ada Lovelace"},
        "data": {
            "id": "a1b2c3d4-0000-4000-8000-000000000123",
            "identifier": "ENG-123",
            "number": 123,
            "title": "Crash on start",
            "description": "It crashes.",
            "priority": 2,
            "teamId": "9cfb482a-81e3-4154-b5b9-2c805e70a02d",
            "stateId": "b7c2d3e4-0000-4000-8000-000000000001",
            "createdAt": "2024-05-01T10:00:00.000Z",
            "updatedAt": "2024-05-01T10:05:00.000Z",
        },
        "url": "https://linear.app/acme/issue/ENG-123/crash-on-start",
        "organizationId": "f0e1d2c3-0000-4000-8000-00000000acme",
        "webhookId": "0f1e2d3c-0000-4000-8000-00000000hook",
    });
    if let Some(previous) = updated_from {
        event["updatedFrom"] = previous;
    }
    event
}

fn issue_trigger_cases() -> Vec<TestCase<LinearIssueTriggerBlock>> {
    let on = |events: LinearIssueEvents| LinearIssueTriggerInput { events, payload: Value::Null };
    let creations = || on(LinearIssueEvents { create: true, ..LinearIssueEvents::default() });
    let created = issue_event("create", None);
    let previous = json!({"priority": 3, "updatedAt": "2024-05-01T10:00:00.000Z"});
    vec![
        TestCase::delivery("runs on a created issue", creations(), "Issue.create", created.clone())
            .output_where("payload", "the delivery, time included", |p| {
                p["data"]["identifier"] == "ENG-123" && p["webhookTimestamp"].is_u64()
            })
            .output(LinearIssueTriggerOutput::Action("create".into()))
            .output(LinearIssueTriggerOutput::Issue(created["data"].clone()))
            .output(LinearIssueTriggerOutput::Url("https://linear.app/acme/issue/ENG-123/crash-on-start".into()))
            .output(LinearIssueTriggerOutput::UpdatedFrom(Value::Null)),
        TestCase::delivery(
            "passes on what an update changed",
            on(LinearIssueEvents { update: true, ..LinearIssueEvents::default() }),
            "Issue.update",
            issue_event("update", Some(previous.clone())),
        )
        .output_where("payload", "the delivery", |p| p["action"] == "update")
        .output(LinearIssueTriggerOutput::Action("update".into()))
        .output_where("issue", "the issue", |issue| issue["id"] == "a1b2c3d4-0000-4000-8000-000000000123")
        .output_where("url", "the issue's page", Value::is_string)
        .output(LinearIssueTriggerOutput::UpdatedFrom(previous)),
        TestCase::delivery(
            "ignores actions that were not chosen",
            creations(),
            "Issue.remove",
            issue_event("remove", None),
        ),
        TestCase::delivery("refuses a body changed after signing", creations(), "Issue.create", created.clone())
            .tampered(),
        TestCase::delivery("refuses an unsigned delivery", creations(), "Issue.create", created.clone()).unsigned(),
        TestCase::delivery("refuses a delivery sent over a minute ago", creations(), "Issue.create", created.clone())
            .replayed(),
        TestCase::delivery("refuses a delivery signed with another secret", creations(), "Issue.create", created)
            .signed_with_another_secret(),
    ]
}
