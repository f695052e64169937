//! Linear's standard blocks, one file each, and the mocked exchanges their cases
//! share.

mod api_mocks;
mod create_issue;
mod search_issues;

pub use create_issue::{LinearCreateIssueBlock, LinearCreateIssueInput, LinearCreateIssueOutput, Priority};
pub use search_issues::{LinearSearchIssuesBlock, LinearSearchIssuesInput, LinearSearchIssuesOutput};
