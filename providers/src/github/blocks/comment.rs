//! `GithubCommentBlock`: comments on an issue or a pull request.

use block_core::prelude::*;

use super::api_mocks::post;
use super::{created_field, issue_input};
use crate::github::{GithubClient, GithubCredentials};

/// Inputs of `GithubCommentBlock`.
#[derive(BlockInput)]
pub struct GithubCommentInput {
    /// The issue or pull request: its URL
    /// (`https://github.com/octocat/hello-world/issues/42`, or `.../pull/42`), or its
    /// number together with `repo`.
    #[block_input(placeholder = "https://github.com/octocat/hello-world/issues/42")]
    pub issue: String,
    /// The repository, written `owner/repo`, when `issue` is a number.
    #[block_input(placeholder = "octocat/hello-world")]
    pub repo: Option<String>,
    /// The comment, in Markdown.
    #[block_input(min_length = 1)]
    pub body: String,
    /// A GitHub personal access token or OAuth login that can write issues.
    #[block_input(scopes = ["repo"])]
    pub credentials: GithubCredentials,
}

/// Outputs of `GithubCommentBlock`.
#[derive(BlockOutput)]
pub enum GithubCommentOutput {
    /// The comment's address on github.com.
    Url(String),
    /// The comment's id.
    Id(u64),
}

/// Comments on a GitHub issue or pull request, named by its URL or by its number
/// and repository.
#[block(
    id = "913c82bf-f198-498a-9bfe-130baa79da7c",
    categories(DeveloperTools, IssueTracking),
    tests = comment_cases
)]
pub struct GithubCommentBlock;

impl Run for GithubCommentBlock {
    type Input = GithubCommentInput;
    type Output = GithubCommentOutput;

    async fn run(
        &self,
        input: GithubCommentInput,
        ctx: &RunContext,
        out: &Emit<GithubCommentOutput>,
    ) -> Result<(), BlockError> {
        let issue = issue_input(&input.issue, input.repo.as_deref())?;
        let client = GithubClient::from_credentials(ctx.http(), input.credentials.get())?;
        let path = format!("{}/comments", issue.api_path());
        let created = client.post(&path, &json!({"body": input.body})).await?;
        let url = created_field(&created, "html_url", Value::as_str)?.to_owned();
        let id = created_field(&created, "id", Value::as_u64)?;
        out.emit(GithubCommentOutput::Url(url)).await?;
        out.emit(GithubCommentOutput::Id(id)).await
    }
}

fn comment_cases() -> Vec<TestCase<GithubCommentBlock>> {
    let comments = "/repos/octocat/hello-world/issues/42/comments";
    let posted = |body: &str| post(comments, json!({"body": body})).respond_json(201, created());
    let outputs = || {
        [
            GithubCommentOutput::Url("https://github.com/octocat/hello-world/issues/42#issuecomment-1".into()),
            GithubCommentOutput::Id(1),
        ]
    };
    vec![
        TestCase::new(
            "comments on an issue named by its URL",
            input("https://github.com/octocat/hello-world/issues/42", None, "Thanks!"),
        )
        .http(posted("Thanks!"))
        .outputs(outputs()),
        TestCase::new(
            "comments on a pull request through the issues API",
            input("https://github.com/octocat/hello-world/pull/42", None, "LGTM"),
        )
        .http(posted("LGTM"))
        .outputs(outputs()),
        TestCase::new(
            "comments on an issue named by number and repository",
            input("42", Some("octocat/hello-world"), "Hi"),
        )
        .http(posted("Hi"))
        .outputs(outputs()),
        TestCase::new("needs the repository with a bare number", input("42", None, "Hi"))
            .error_containing("issue #42 needs its repository"),
        TestCase::new("refuses a URL outside github.com", input("https://gitlab.com/o/r/issues/1", None, "Hi"))
            .error_containing("is neither an issue number nor an issue or pull request URL"),
        TestCase::new("explains a locked issue", input("42", Some("octocat/hello-world"), "Hi"))
            .http(post(comments, json!({"body": "Hi"})).respond_json(403, json!({"message": "Issue is locked"})))
            .error_containing("GitHub denied access (403: Issue is locked)"),
        TestCase::new("explains an issue GitHub does not show", input("42", Some("octocat/hello-world"), "Hi"))
            .http(post(comments, json!({"body": "Hi"})).respond_json(404, json!({"message": "Not Found"})))
            .error_containing("GitHub found nothing at /repos/octocat/hello-world/issues/42/comments (404)"),
    ]
}

fn input(issue: &str, repo: Option<&str>, body: &str) -> GithubCommentInput {
    GithubCommentInput {
        issue: issue.into(),
        repo: repo.map(Into::into),
        body: body.into(),
        credentials: Credentials::test(),
    }
}

fn created() -> Value {
    json!({
        "id": 1,
        "node_id": "IC_kwDOABCD",
        "html_url": "https://github.com/octocat/hello-world/issues/42#issuecomment-1",
        "body": "Thanks!",
        "user": {"login": "octocat"},
    })
}
