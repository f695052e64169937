//! GitHub's trigger blocks: they run when GitHub delivers an event to a webhook on
//! the watched repository, each on the actions its event filter chooses.

mod issues;
mod pull_request;
#[cfg(test)]
mod tests;

use block_core::prelude::*;

pub use issues::{GithubIssuesTriggerBlock, GithubIssuesTriggerInput, GithubIssuesTriggerOutput, IssuesEvents};
pub use pull_request::{
    GithubPullRequestTriggerBlock, GithubPullRequestTriggerInput, GithubPullRequestTriggerOutput, PullRequestEvents,
};

/// Field `key` of a delivered event, read with `read`; a missing or mistyped one
/// fails the run with a message naming it.
fn payload_field<'v, T>(payload: &'v Value, key: &str, read: impl Fn(&'v Value) -> Option<T>) -> Result<T, BlockError> {
    payload
        .get(key)
        .and_then(read)
        .ok_or_else(|| BlockError::new(format!("the delivered GitHub event has no `{key}` of the expected type")))
}

/// The `number` of an issue, a pull request, or a pull request event.
fn payload_number(value: &Value) -> Result<u64, BlockError> {
    payload_field(value, "number", Value::as_u64)
}

/// A payload fixture as the JSON value a test delivers. The fixtures ship with
/// the crate and are checked to be JSON by the webhook tests.
fn delivered(fixture: &str) -> Value {
    serde_json::from_str(fixture).expect("the GitHub payload fixtures are JSON")
}
