//! `GithubPullRequestTriggerBlock`: runs on the pull request events of a repository.

use block_core::prelude::*;

use super::{delivered, payload_field, payload_number};
use crate::github::{Github, GithubCredentials, fixtures};

/// The pull request actions to run on; each one checked subscribes to
/// `pull_request.<action>`.
#[derive(BlockInput, Default)]
pub struct PullRequestEvents {
    /// A pull request was opened.
    #[block_input(default = false)]
    pub opened: bool,
    /// Its title or body was edited.
    #[block_input(default = false)]
    pub edited: bool,
    /// It was closed, merged or not (`pull_request.merged` tells).
    #[block_input(default = false)]
    pub closed: bool,
    /// It was reopened.
    #[block_input(default = false)]
    pub reopened: bool,
    /// New commits were pushed to its branch.
    #[block_input(default = false)]
    pub synchronize: bool,
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
    /// It was turned into a draft.
    #[block_input(default = false)]
    pub converted_to_draft: bool,
    /// A draft was marked ready for review.
    #[block_input(default = false)]
    pub ready_for_review: bool,
    /// A review was requested.
    #[block_input(default = false)]
    pub review_requested: bool,
    /// A review request was withdrawn.
    #[block_input(default = false)]
    pub review_request_removed: bool,
    /// Its conversation was locked.
    #[block_input(default = false)]
    pub locked: bool,
    /// Its conversation was unlocked.
    #[block_input(default = false)]
    pub unlocked: bool,
}

/// Inputs of `GithubPullRequestTriggerBlock`.
#[derive(BlockInput)]
pub struct GithubPullRequestTriggerInput {
    /// A GitHub personal access token or OAuth login allowed to manage the
    /// repository's webhooks.
    #[block_input(scopes = ["repo"])]
    pub credentials: GithubCredentials,
    /// The repository to watch, written `owner/repo`.
    #[block_input(placeholder = "octocat/hello-world")]
    pub repo: String,
    /// The pull request actions to run on.
    #[block_input(event_filter)]
    pub events: PullRequestEvents,
    /// The delivered event, filled in by the webhook.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of `GithubPullRequestTriggerBlock`.
#[derive(BlockOutput)]
pub enum GithubPullRequestTriggerOutput {
    /// The whole event, as GitHub sent it.
    Payload(Value),
    /// The action, e.g. `opened`.
    Event(String),
    /// The pull request's number.
    Number(u64),
    /// The pull request, as GitHub describes it.
    PullRequest(Value),
    /// The pull request's page on github.com.
    PullRequestUrl(String),
    /// The account that caused the event.
    Sender(Value),
}

/// Runs when a pull request of a GitHub repository is opened, closed, updated with
/// new commits, or any other chosen action; GitHub delivers the event to a webhook
/// set up on the repository.
#[block(
    id = "f782e627-c286-448b-be0c-bc99f284ec4f",
    categories(DeveloperTools, Input),
    trigger(provider = Github, event = "pull_request"),
    tests = pull_request_trigger_cases
)]
pub struct GithubPullRequestTriggerBlock;

impl Run for GithubPullRequestTriggerBlock {
    type Input = GithubPullRequestTriggerInput;
    type Output = GithubPullRequestTriggerOutput;

    async fn run(
        &self,
        input: GithubPullRequestTriggerInput,
        _ctx: &RunContext,
        out: &Emit<GithubPullRequestTriggerOutput>,
    ) -> Result<(), BlockError> {
        let payload = input.payload;
        let action = payload_field(&payload, "action", Value::as_str)?.to_owned();
        let number = payload_number(&payload)?;
        let pull_request = payload_field(&payload, "pull_request", Some)?.clone();
        let url = payload_field(&pull_request, "html_url", Value::as_str)?.to_owned();
        let sender = payload.get("sender").cloned().unwrap_or(Value::Null);
        out.emit(GithubPullRequestTriggerOutput::Payload(payload)).await?;
        out.emit(GithubPullRequestTriggerOutput::Event(action)).await?;
        out.emit(GithubPullRequestTriggerOutput::Number(number)).await?;
        out.emit(GithubPullRequestTriggerOutput::PullRequest(pull_request)).await?;
        out.emit(GithubPullRequestTriggerOutput::PullRequestUrl(url)).await?;
        out.emit(GithubPullRequestTriggerOutput::Sender(sender)).await
    }
}

fn pull_request_trigger_cases() -> Vec<TestCase<GithubPullRequestTriggerBlock>> {
    let opened = delivered(fixtures::PULL_REQUEST_OPENED);
    let closed = delivered(fixtures::PULL_REQUEST_CLOSED);
    let on = |events: PullRequestEvents| GithubPullRequestTriggerInput {
        credentials: Credentials::test(),
        repo: "Codertocat/Hello-World".into(),
        events,
        payload: Value::Null,
    };
    let opened_only = || on(PullRequestEvents { opened: true, ..PullRequestEvents::default() });
    vec![
        TestCase::delivery("runs on an opened pull request", opened_only(), "pull_request.opened", opened.clone())
            .outputs(expected(&opened, "opened")),
        TestCase::delivery(
            "runs on a merged pull request when closing is chosen",
            on(PullRequestEvents { opened: true, closed: true, ..PullRequestEvents::default() }),
            "pull_request.closed",
            closed.clone(),
        )
        .outputs(expected(&closed, "closed")),
        TestCase::delivery(
            "ignores actions that were not chosen",
            opened_only(),
            "pull_request.synchronize",
            delivered(fixtures::PULL_REQUEST_SYNCHRONIZE),
        ),
        TestCase::delivery("ignores GitHub's ping", opened_only(), "ping", delivered(fixtures::PING)),
        TestCase::delivery("refuses a delivery changed after signing", opened_only(), "pull_request.opened", opened)
            .tampered(),
    ]
}

/// What the block emits for `payload`, GitHub's pull request fixture.
fn expected(payload: &Value, action: &str) -> Vec<GithubPullRequestTriggerOutput> {
    vec![
        GithubPullRequestTriggerOutput::Payload(payload.clone()),
        GithubPullRequestTriggerOutput::Event(action.into()),
        GithubPullRequestTriggerOutput::Number(2),
        GithubPullRequestTriggerOutput::PullRequest(payload["pull_request"].clone()),
        GithubPullRequestTriggerOutput::PullRequestUrl("https://github.com/Codertocat/Hello-World/pull/2".into()),
        GithubPullRequestTriggerOutput::Sender(payload["sender"].clone()),
    ]
}
