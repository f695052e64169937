//! `GithubPullRequestFilesBlock`: the files a pull request changes.

use block_core::prelude::*;

use super::api_mocks::get;
use super::issue_input;
use crate::github::{GithubClient, GithubCredentials};

/// GitHub lists at most 3000 files of a pull request: 30 pages of 100.
const MAX_PAGES: usize = 30;

/// Inputs of `GithubPullRequestFilesBlock`.
#[derive(BlockInput)]
pub struct GithubPullRequestFilesInput {
    /// The pull request: its URL (`https://github.com/octocat/hello-world/pull/42`),
    /// or its number together with `repo`.
    #[block_input(placeholder = "https://github.com/octocat/hello-world/pull/42")]
    pub pull_request: String,
    /// The repository, written `owner/repo`, when `pull_request` is a number.
    #[block_input(placeholder = "octocat/hello-world")]
    pub repo: Option<String>,
    /// A GitHub personal access token or OAuth login that can read the repository.
    #[block_input(scopes = ["repo"])]
    pub credentials: GithubCredentials,
}

/// Outputs of `GithubPullRequestFilesBlock`.
#[derive(BlockOutput)]
pub enum GithubPullRequestFilesOutput {
    /// One changed file: `filename`, `status` (`added`, `removed`, `modified`,
    /// `renamed`, ...), `additions`, `deletions`, `changes`, `patch` (the unified
    /// diff; `null` for binary or very large files) and `previous_filename` (for
    /// renamed files, else `null`).
    File(Value),
    /// Every changed file, in GitHub's order.
    Files(Vec<Value>),
}

/// Reads the files a GitHub pull request changes, with their status, line counts
/// and diff, following GitHub's pages up to its limit of 3000 files.
#[block(
    id = "03e6d92a-5e1b-4502-a054-482ca9c1b59c",
    categories(DeveloperTools),
    tests = pull_request_files_cases
)]
pub struct GithubPullRequestFilesBlock;

impl Run for GithubPullRequestFilesBlock {
    type Input = GithubPullRequestFilesInput;
    type Output = GithubPullRequestFilesOutput;

    async fn run(
        &self,
        input: GithubPullRequestFilesInput,
        ctx: &RunContext,
        out: &Emit<GithubPullRequestFilesOutput>,
    ) -> Result<(), BlockError> {
        let pull = issue_input(&input.pull_request, input.repo.as_deref())?;
        let client = GithubClient::from_credentials(ctx.http(), input.credentials.get())?.max_pages(MAX_PAGES);
        let path = format!("{}/pulls/{}/files", pull.repo.api_path(), pull.number);
        let files: Vec<Value> = client.get_pages(&path, &[]).await?.iter().map(file_summary).collect();
        for file in &files {
            out.emit(GithubPullRequestFilesOutput::File(file.clone())).await?;
        }
        out.emit(GithubPullRequestFilesOutput::Files(files)).await
    }
}

/// The fields of a changed file a review needs, from GitHub's file object.
fn file_summary(file: &Value) -> Value {
    json!({
        "filename": file["filename"],
        "status": file["status"],
        "additions": file["additions"],
        "deletions": file["deletions"],
        "changes": file["changes"],
        "patch": file["patch"],
        "previous_filename": file["previous_filename"],
    })
}

fn pull_request_files_cases() -> Vec<TestCase<GithubPullRequestFilesBlock>> {
    let first = "/repos/octocat/hello-world/pulls/42/files?per_page=100";
    let next = "https://api.github.com/repositories/1296269/pulls/42/files?per_page=100&page=2";
    let readme = file("README.md", "modified", Some("@@ -1 +1 @@\n-Hello\n+Hello, world"));
    let logo = file("logo.png", "added", None);
    vec![
        TestCase::new(
            "reads the changed files of a pull request across pages",
            input("https://github.com/octocat/hello-world/pull/42", None),
        )
        .http(get(first).respond_json(200, json!([readme])).response_header("link", &format!("<{next}>; rel=\"next\"")))
        .http(get(&next["https://api.github.com".len()..]).respond_json(200, json!([logo])))
        .outputs([
            GithubPullRequestFilesOutput::File(summary(
                "README.md",
                "modified",
                2,
                Some("@@ -1 +1 @@\n-Hello\n+Hello, world"),
            )),
            GithubPullRequestFilesOutput::File(summary("logo.png", "added", 2, None)),
            GithubPullRequestFilesOutput::Files(vec![
                summary("README.md", "modified", 2, Some("@@ -1 +1 @@\n-Hello\n+Hello, world")),
                summary("logo.png", "added", 2, None),
            ]),
        ]),
        TestCase::new("names the pull request by number and repository", input("42", Some("octocat/hello-world")))
            .http(get(first).respond_json(200, json!([])))
            .output(GithubPullRequestFilesOutput::Files(vec![])),
        TestCase::new("refuses a repository not written owner/repo", input("42", Some("hello-world")))
            .error_containing("`hello-world` is not a repository: write it as `owner/repo`"),
        TestCase::new("explains a pull request GitHub does not show", input("42", Some("octocat/hello-world")))
            .http(get(first).respond_json(404, json!({"message": "Not Found"})))
            .error_containing("GitHub found nothing at /repos/octocat/hello-world/pulls/42/files (404)"),
    ]
}

fn input(pull_request: &str, repo: Option<&str>) -> GithubPullRequestFilesInput {
    GithubPullRequestFilesInput {
        pull_request: pull_request.into(),
        repo: repo.map(Into::into),
        credentials: Credentials::test(),
    }
}

/// A changed file as GitHub returns it.
fn file(filename: &str, status: &str, patch: Option<&str>) -> Value {
    let mut file = json!({
        "sha": "bbcd538c8e72b8c175046e27cc8f907076331401",
        "filename": filename,
        "status": status,
        "additions": 1,
        "deletions": 1,
        "changes": 2,
        "blob_url": format!("https://github.com/octocat/hello-world/blob/6dcb09b/{filename}"),
        "raw_url": format!("https://github.com/octocat/hello-world/raw/6dcb09b/{filename}"),
    });
    if let Some(patch) = patch {
        file["patch"] = json!(patch);
    }
    file
}

fn summary(filename: &str, status: &str, changes: u64, patch: Option<&str>) -> Value {
    json!({
        "filename": filename,
        "status": status,
        "additions": 1,
        "deletions": 1,
        "changes": changes,
        "patch": patch,
        "previous_filename": null,
    })
}
