//! `GithubIssuesTriggerBlock`: runs on the issue events of a repository.

use block_core::prelude::*;

use super::{delivered, payload_field, payload_number};
use crate::github::{Github, GithubCredentials, fixtures};

/// The issue actions to run on; each one checked subscribes to `issues.<action>`.
#[derive(BlockInput, Default)]
pub struct IssuesEvents {
    /// An issue was opened.
    #[block_input(default = false)]
    pub opened: bool,
    /// Its title or body was edited.
    #[block_input(default = false)]
    pub edited: bool,
    /// It was deleted.
    #[block_input(default = false)]
    pub deleted: bool,
    /// It was closed.
    #[block_input(default = false)]
    pub closed: bool,
    /// It was reopened.
    #[block_input(default = false)]
    pub reopened: bool,
    /// Someone was assigned.
    #[block_input(default = false)]
    pub assigned: bool,
    /// Someone was unassigned.
    #[block_input(default = false)]
    pub unassigned: bool,
    /// A label was added.
    #[block_input(default = false)]
    pub labeled: bool,
    /// A label was removed.
    #[block_input(default = false)]
    pub unlabeled: bool,
    /// It was moved to another repository.
    #[block_input(default = false)]
    pub transferred: bool,
    /// It was pinned.
    #[block_input(default = false)]
    pub pinned: bool,
    /// It was unpinned.
    #[block_input(default = false)]
    pub unpinned: bool,
    /// Its conversation was locked.
    #[block_input(default = false)]
    pub locked: bool,
    /// Its conversation was unlocked.
    #[block_input(default = false)]
    pub unlocked: bool,
    /// It was added to a milestone.
    #[block_input(default = false)]
    pub milestoned: bool,
    /// It was removed from a milestone.
    #[block_input(default = false)]
    pub demilestoned: bool,
}

/// Inputs of `GithubIssuesTriggerBlock`.
#[derive(BlockInput)]
pub struct GithubIssuesTriggerInput {
    /// A GitHub personal access token or OAuth login allowed to manage the
    /// repository's webhooks.
    #[block_input(scopes = ["repo"])]
    pub credentials: GithubCredentials,
    /// The repository to watch, written `owner/repo`.
    #[block_input(placeholder = "octocat/hello-world")]
    pub repo: String,
    /// The issue actions to run on.
    #[block_input(event_filter)]
    pub events: IssuesEvents,
    /// The delivered event, filled in by the webhook.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of `GithubIssuesTriggerBlock`.
#[derive(BlockOutput)]
pub enum GithubIssuesTriggerOutput {
    /// The whole event, as GitHub sent it.
    Payload(Value),
    /// The action, e.g. `opened`.
    Event(String),
    /// The issue's number.
    Number(u64),
    /// The issue, as GitHub describes it.
    Issue(Value),
    /// The issue's page on github.com.
    IssueUrl(String),
    /// The account that caused the event.
    Sender(Value),
}

/// Runs when an issue of a GitHub repository is opened, closed, labeled, or any
/// other chosen action; GitHub delivers the event to a webhook set up on the
/// repository.
#[block(
    id = "bdb4aa0b-bceb-4814-89ae-fefa76d42405",
    categories(DeveloperTools, IssueTracking, Input),
    trigger(provider = Github, event = "issues"),
    tests = issues_trigger_cases
)]
pub struct GithubIssuesTriggerBlock;

impl Run for GithubIssuesTriggerBlock {
    type Input = GithubIssuesTriggerInput;
    type Output = GithubIssuesTriggerOutput;

    async fn run(
        &self,
        input: GithubIssuesTriggerInput,
        _ctx: &RunContext,
        out: &Emit<GithubIssuesTriggerOutput>,
    ) -> Result<(), BlockError> {
        let payload = input.payload;
        let action = payload_field(&payload, "action", Value::as_str)?.to_owned();
        let issue = payload_field(&payload, "issue", Some)?.clone();
        let number = payload_number(&issue)?;
        let url = payload_field(&issue, "html_url", Value::as_str)?.to_owned();
        let sender = payload.get("sender").cloned().unwrap_or(Value::Null);
        out.emit(GithubIssuesTriggerOutput::Payload(payload)).await?;
        out.emit(GithubIssuesTriggerOutput::Event(action)).await?;
        out.emit(GithubIssuesTriggerOutput::Number(number)).await?;
        out.emit(GithubIssuesTriggerOutput::Issue(issue)).await?;
        out.emit(GithubIssuesTriggerOutput::IssueUrl(url)).await?;
        out.emit(GithubIssuesTriggerOutput::Sender(sender)).await
    }
}

fn issues_trigger_cases() -> Vec<TestCase<GithubIssuesTriggerBlock>> {
    let opened = delivered(fixtures::ISSUES_OPENED);
    let labeled = delivered(fixtures::ISSUES_LABELED);
    let on = |events: IssuesEvents| GithubIssuesTriggerInput {
        credentials: Credentials::test(),
        repo: "Codertocat/Hello-World".into(),
        events,
        payload: Value::Null,
    };
    let opened_only = || on(IssuesEvents { opened: true, ..IssuesEvents::default() });
    vec![
        TestCase::delivery("runs on an opened issue", opened_only(), "issues.opened", opened.clone())
            .outputs(expected(&opened, "opened")),
        TestCase::delivery(
            "runs on a label added when labeling is chosen",
            on(IssuesEvents { labeled: true, ..IssuesEvents::default() }),
            "issues.labeled",
            labeled.clone(),
        )
        .outputs(expected(&labeled, "labeled")),
        TestCase::delivery(
            "ignores actions that were not chosen",
            opened_only(),
            "issues.closed",
            delivered(fixtures::ISSUES_CLOSED),
        ),
        TestCase::delivery("ignores GitHub's ping", opened_only(), "ping", delivered(fixtures::PING)),
        TestCase::delivery("refuses a delivery changed after signing", opened_only(), "issues.opened", opened)
            .tampered(),
    ]
}

/// What the block emits for `payload`, GitHub's issue fixture.
fn expected(payload: &Value, action: &str) -> Vec<GithubIssuesTriggerOutput> {
    vec![
        GithubIssuesTriggerOutput::Payload(payload.clone()),
        GithubIssuesTriggerOutput::Event(action.into()),
        GithubIssuesTriggerOutput::Number(1),
        GithubIssuesTriggerOutput::Issue(payload["issue"].clone()),
        GithubIssuesTriggerOutput::IssueUrl("https://github.com/Codertocat/Hello-World/issues/1".into()),
        GithubIssuesTriggerOutput::Sender(payload["sender"].clone()),
    ]
}
