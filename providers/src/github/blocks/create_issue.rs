//! `GithubCreateIssueBlock`: opens an issue.

use block_core::prelude::*;

use super::api_mocks::{RATE_LIMITED_UNTIL, post, rate_limited};
use super::{created_field, repo_input};
use crate::github::{GithubClient, GithubCredentials};

/// Inputs of `GithubCreateIssueBlock`.
#[derive(BlockInput)]
pub struct GithubCreateIssueInput {
    /// The repository, written `owner/repo`.
    #[block_input(placeholder = "octocat/hello-world")]
    pub repo: String,
    /// The issue's title.
    #[block_input(min_length = 1, max_length = 256)]
    pub title: String,
    /// The issue's text, in Markdown.
    #[block_input(default = "")]
    pub body: String,
    /// Labels to put on the issue; they must exist in the repository.
    #[block_input(default = [])]
    pub labels: Vec<String>,
    /// A GitHub personal access token or OAuth login that can write issues.
    #[block_input(scopes = ["repo"])]
    pub credentials: GithubCredentials,
}

/// Outputs of `GithubCreateIssueBlock`.
#[derive(BlockOutput)]
pub enum GithubCreateIssueOutput {
    /// The issue's page on github.com.
    Url(String),
    /// The issue's number in the repository.
    Number(u64),
}

/// Opens an issue in a GitHub repository, with a title, a Markdown body and labels.
#[block(
    id = "41661748-dc65-4b77-b908-4658ba7176c9",
    categories(DeveloperTools, IssueTracking),
    tests = create_issue_cases
)]
pub struct GithubCreateIssueBlock;

impl Run for GithubCreateIssueBlock {
    type Input = GithubCreateIssueInput;
    type Output = GithubCreateIssueOutput;

    async fn run(
        &self,
        input: GithubCreateIssueInput,
        ctx: &RunContext,
        out: &Emit<GithubCreateIssueOutput>,
    ) -> Result<(), BlockError> {
        let repo = repo_input(&input.repo)?;
        let client = GithubClient::from_credentials(ctx.http(), input.credentials.get())?;
        let mut issue = json!({"title": input.title});
        if !input.body.is_empty() {
            issue["body"] = json!(input.body);
        }
        if !input.labels.is_empty() {
            issue["labels"] = json!(input.labels);
        }
        let created = client.post(&format!("{}/issues", repo.api_path()), &issue).await?;
        let url = created_field(&created, "html_url", Value::as_str)?.to_owned();
        let number = created_field(&created, "number", Value::as_u64)?;
        out.emit(GithubCreateIssueOutput::Url(url)).await?;
        out.emit(GithubCreateIssueOutput::Number(number)).await
    }
}

fn create_issue_cases() -> Vec<TestCase<GithubCreateIssueBlock>> {
    vec![
        TestCase::new("opens an issue with a body and labels", input("Crash on start", "It crashes.", &["bug"]))
            .http(
                post(
                    "/repos/octocat/hello-world/issues",
                    json!({"title": "Crash on start", "body": "It crashes.", "labels": ["bug"]}),
                )
                .respond_json(201, created(1347)),
            )
            .outputs([
                GithubCreateIssueOutput::Url("https://github.com/octocat/hello-world/issues/1347".into()),
                GithubCreateIssueOutput::Number(1347),
            ]),
        TestCase::json(
            "sends only the title when there is nothing else",
            json!({"repo": "octocat/hello-world", "title": "Just a title", "credentials": test_meta()}),
        )
        .http(post("/repos/octocat/hello-world/issues", json!({"title": "Just a title"})).respond_json(201, created(2)))
        .outputs([
            GithubCreateIssueOutput::Url("https://github.com/octocat/hello-world/issues/2".into()),
            GithubCreateIssueOutput::Number(2),
        ]),
        TestCase::new("lists what GitHub found invalid", input("T", "", &["nope"]))
            .http(post("/repos/octocat/hello-world/issues", json!({"title": "T", "labels": ["nope"]})).respond_json(
                422,
                json!({"message": "Validation Failed",
                       "errors": [{"resource": "Label", "field": "labels", "code": "invalid"}]}),
            ))
            .error_containing("GitHub rejected the request (422: Validation Failed): labels: invalid"),
        TestCase::new("explains a token without write access", input("T", "", &[]))
            .http(
                post("/repos/octocat/hello-world/issues", json!({"title": "T"}))
                    .respond_json(403, json!({"message": "Resource not accessible by personal access token"})),
            )
            .error_containing("GitHub denied access (403: Resource not accessible by personal access token)"),
        TestCase::new("explains a refused token", input("T", "", &[]))
            .http(
                post("/repos/octocat/hello-world/issues", json!({"title": "T"}))
                    .respond_json(401, json!({"message": "Bad credentials"})),
            )
            .error_containing("GitHub refused the credentials (401: Bad credentials)"),
        TestCase::new("says until when the rate limit holds", input("T", "", &[]))
            .http(rate_limited(post("/repos/octocat/hello-world/issues", json!({"title": "T"}))))
            .error_containing(RATE_LIMITED_UNTIL),
        TestCase::new("reports an answer without the issue's number", input("T", "", &[]))
            .http(
                post("/repos/octocat/hello-world/issues", json!({"title": "T"}))
                    .respond_json(201, json!({"html_url": "https://github.com/octocat/hello-world/issues/3"})),
            )
            .error_containing("GitHub's answer has no `number`"),
        TestCase::json(
            "needs a title",
            json!({"repo": "octocat/hello-world", "title": "", "credentials": test_meta()}),
        )
        .invalid_input(["/title"]),
    ]
}

fn input(title: &str, body: &str, labels: &[&str]) -> GithubCreateIssueInput {
    GithubCreateIssueInput {
        repo: "octocat/hello-world".into(),
        title: title.into(),
        body: body.into(),
        labels: labels.iter().map(|&label| label.into()).collect(),
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: GithubCredentials = Credentials::test();
    json!(credentials.meta())
}

fn created(number: u64) -> Value {
    json!({
        "id": 1,
        "number": number,
        "html_url": format!("https://github.com/octocat/hello-world/issues/{number}"),
        "url": format!("https://api.github.com/repos/octocat/hello-world/issues/{number}"),
        "state": "open",
    })
}
