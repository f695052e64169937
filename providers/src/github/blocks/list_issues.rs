//! `GithubListIssuesBlock`: the issues of a repository, pull requests left out.

use block_core::prelude::*;

use super::api_mocks::{RATE_LIMITED_UNTIL, TEST_ACCESS_TOKEN, get, oauth_meta, rate_limited, with_headers};
use super::repo_input;
use crate::github::{GithubClient, GithubCredentials};

/// Which issues to list.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueState {
    /// Issues still open.
    Open,
    /// Issues closed.
    Closed,
    /// Open and closed issues.
    All,
}

impl IssueState {
    fn as_query(self) -> &'static str {
        match self {
            IssueState::Open => "open",
            IssueState::Closed => "closed",
            IssueState::All => "all",
        }
    }
}

/// Inputs of `GithubListIssuesBlock`.
#[derive(BlockInput)]
pub struct GithubListIssuesInput {
    /// The repository, written `owner/repo`.
    #[block_input(placeholder = "octocat/hello-world")]
    pub repo: String,
    /// Which issues to list: open, closed or all.
    #[block_input(default = "open", advanced = false)]
    pub state: IssueState,
    /// A GitHub personal access token or OAuth login that can read the repository.
    #[block_input(scopes = ["repo"])]
    pub credentials: GithubCredentials,
}

/// Outputs of `GithubListIssuesBlock`.
#[derive(BlockOutput)]
pub enum GithubListIssuesOutput {
    /// One issue: `number`, `title`, `state`, `url`, `author`, `labels` (names),
    /// `assignees` (logins), `comments` (count), `body`, `created_at`,
    /// `updated_at`, `closed_at`.
    Issue(Value),
    /// Every issue, in GitHub's order (newest first).
    Issues(Vec<Value>),
}

/// Lists the issues of a GitHub repository (open, closed or all), newest first,
/// reading up to 1000 of them. Pull requests, which GitHub's issues API also
/// returns, are left out.
#[block(
    id = "6d6e9bc6-452d-44f2-9f1b-efb42fc69e29",
    categories(DeveloperTools, IssueTracking),
    tests = list_issues_cases
)]
pub struct GithubListIssuesBlock;

impl Run for GithubListIssuesBlock {
    type Input = GithubListIssuesInput;
    type Output = GithubListIssuesOutput;

    async fn run(
        &self,
        input: GithubListIssuesInput,
        ctx: &RunContext,
        out: &Emit<GithubListIssuesOutput>,
    ) -> Result<(), BlockError> {
        let repo = repo_input(&input.repo)?;
        let client = GithubClient::from_credentials(ctx.http(), input.credentials.get())?;
        let items =
            client.get_pages(&format!("{}/issues", repo.api_path()), &[("state", input.state.as_query())]).await?;
        let issues: Vec<Value> =
            items.iter().filter(|item| item.get("pull_request").is_none()).map(issue_summary).collect();
        for issue in &issues {
            out.emit(GithubListIssuesOutput::Issue(issue.clone())).await?;
        }
        out.emit(GithubListIssuesOutput::Issues(issues)).await
    }
}

/// The fields of an issue a workflow usually needs, from GitHub's issue object.
fn issue_summary(issue: &Value) -> Value {
    let names = |list: &Value, key: &str| -> Vec<Value> {
        list.as_array().map(|items| items.iter().map(|item| item[key].clone()).collect()).unwrap_or_default()
    };
    json!({
        "number": issue["number"],
        "title": issue["title"],
        "state": issue["state"],
        "url": issue["html_url"],
        "author": issue["user"]["login"],
        "labels": names(&issue["labels"], "name"),
        "assignees": names(&issue["assignees"], "login"),
        "comments": issue["comments"],
        "body": issue["body"],
        "created_at": issue["created_at"],
        "updated_at": issue["updated_at"],
        "closed_at": issue["closed_at"],
    })
}

fn list_issues_cases() -> Vec<TestCase<GithubListIssuesBlock>> {
    let first_page = "/repos/octocat/hello-world/issues?state=open&per_page=100";
    let second_page = "https://api.github.com/repositories/1296269/issues?state=open&per_page=100&page=2";
    vec![
        TestCase::new("lists open issues across pages and leaves pull requests out", input("octocat/hello-world"))
            .http(
                get(first_page)
                    .respond_json(200, json!([issue(3, "Crash on start", &["bug"]), pull_request(2)]))
                    .response_header(
                        "link",
                        &format!(
                            "<{second_page}>; rel=\"next\", \
                             <https://api.github.com/repositories/1296269/issues?state=open&per_page=100&page=2>; rel=\"last\""
                        ),
                    ),
            )
            .http(get(&second_page["https://api.github.com".len()..]).respond_json(200, json!([issue(1, "Docs", &[])])))
            .outputs([
                GithubListIssuesOutput::Issue(summary(3, "Crash on start", &["bug"])),
                GithubListIssuesOutput::Issue(summary(1, "Docs", &[])),
                GithubListIssuesOutput::Issues(vec![summary(3, "Crash on start", &["bug"]), summary(1, "Docs", &[])]),
            ]),
        TestCase::new("asks GitHub for closed issues", GithubListIssuesInput { state: IssueState::Closed, ..input("o/r") })
            .http(get("/repos/o/r/issues?state=closed&per_page=100").respond_json(200, json!([])))
            .output(GithubListIssuesOutput::Issues(vec![])),
        TestCase::json(
            "reads with an OAuth login's access token",
            json!({"repo": "o/r", "state": "all", "credentials": oauth_meta()}),
        )
        .http(
            with_headers(
                block_core::http::Exchange::get("https://api.github.com/repos/o/r/issues?state=all&per_page=100"),
                TEST_ACCESS_TOKEN,
            )
            .respond_json(200, json!([issue(9, "Old", &[])])),
        )
        .outputs([
            GithubListIssuesOutput::Issue(summary(9, "Old", &[])),
            GithubListIssuesOutput::Issues(vec![summary(9, "Old", &[])]),
        ]),
        TestCase::new("refuses a repository not written owner/repo", input("https://github.com/octocat"))
            .error_containing("write it as `owner/repo`"),
        TestCase::new("explains a repository GitHub does not show", input("octocat/nope"))
            .http(get("/repos/octocat/nope/issues?state=open&per_page=100").respond_json(404, json!({"message": "Not Found"})))
            .error_containing("GitHub found nothing at /repos/octocat/nope/issues (404)"),
        TestCase::new("says until when the rate limit holds", input("o/r"))
            .http(rate_limited(get("/repos/o/r/issues?state=open&per_page=100")))
            .error_containing(RATE_LIMITED_UNTIL),
        TestCase::new("does not follow a Link header off the API with the token", input("o/r"))
            .http(
                get("/repos/o/r/issues?state=open&per_page=100")
                    .respond_json(200, json!([issue(1, "One", &[])]))
                    .response_header("link", "<https://collector.example/issues?page=2>; rel=\"next\""),
            )
            .error_containing("points the next page to https://collector.example"),
        TestCase::json(
            "rejects a state other than open, closed or all",
            json!({"repo": "o/r", "state": "merged", "credentials": oauth_meta()}),
        )
        .invalid_input(["/state"]),
    ]
}

fn input(repo: &str) -> GithubListIssuesInput {
    GithubListIssuesInput { repo: repo.into(), state: IssueState::Open, credentials: Credentials::test() }
}

/// An issue as GitHub's API returns it (trimmed to the fields read, plus noise).
fn issue(number: u64, title: &str, labels: &[&str]) -> Value {
    json!({
        "id": 1000 + number,
        "node_id": "I_kwDOABCD",
        "url": format!("https://api.github.com/repos/octocat/hello-world/issues/{number}"),
        "html_url": format!("https://github.com/octocat/hello-world/issues/{number}"),
        "number": number,
        "state": "open",
        "title": title,
        "body": "Steps to reproduce…",
        "user": {"login": "octocat", "id": 1, "type": "User"},
        "labels": labels.iter().map(|name| json!({"id": 7, "name": name, "color": "d73a4a"})).collect::<Vec<_>>(),
        "assignees": [{"login": "hubot", "id": 2}],
        "comments": 2,
        "created_at": "2024-01-02T03:04:05Z",
        "updated_at": "2024-01-03T03:04:05Z",
        "closed_at": null,
        "author_association": "OWNER",
    })
}

/// A pull request as the issues API lists it: an issue with a `pull_request` key.
fn pull_request(number: u64) -> Value {
    let mut item = issue(number, "Fix crash", &[]);
    item["pull_request"] = json!({"url": format!("https://api.github.com/repos/octocat/hello-world/pulls/{number}")});
    item
}

fn summary(number: u64, title: &str, labels: &[&str]) -> Value {
    json!({
        "number": number,
        "title": title,
        "state": "open",
        "url": format!("https://github.com/octocat/hello-world/issues/{number}"),
        "author": "octocat",
        "labels": labels,
        "assignees": ["hubot"],
        "comments": 2,
        "body": "Steps to reproduce…",
        "created_at": "2024-01-02T03:04:05Z",
        "updated_at": "2024-01-03T03:04:05Z",
        "closed_at": null,
    })
}
