//! GitHub's standard blocks, one file each, and what they share: reading the
//! repository and issue inputs, and reading GitHub's answers.

mod api_mocks;
mod comment;
mod create_issue;
mod list_issues;
mod pull_request_files;

use block_core::prelude::*;

pub use comment::{GithubCommentBlock, GithubCommentInput, GithubCommentOutput};
pub use create_issue::{GithubCreateIssueBlock, GithubCreateIssueInput, GithubCreateIssueOutput};
pub use list_issues::{GithubListIssuesBlock, GithubListIssuesInput, GithubListIssuesOutput, IssueState};
pub use pull_request_files::{GithubPullRequestFilesBlock, GithubPullRequestFilesInput, GithubPullRequestFilesOutput};

use super::repo::{IssueRef, RepoRef};

/// The `repo` input as a repository, or an error naming the input.
fn repo_input(text: &str) -> Result<RepoRef, BlockError> {
    text.parse().map_err(|error| BlockError::new(format!("input `repo`: {error}")))
}

/// An issue or pull request input (a number with `repo`, or a URL), or an error
/// naming the problem.
fn issue_input(target: &str, repo: Option<&str>) -> Result<IssueRef, BlockError> {
    IssueRef::parse(target, repo).map_err(BlockError::new)
}

/// Field `key` of a created resource, read with `read`; a missing or mistyped one
/// is GitHub's answer being unexpected.
fn created_field<'v, T>(created: &'v Value, key: &str, read: impl Fn(&'v Value) -> Option<T>) -> Result<T, BlockError> {
    created.get(key).and_then(read).ok_or_else(|| BlockError::new(format!("GitHub's answer has no `{key}`")))
}
