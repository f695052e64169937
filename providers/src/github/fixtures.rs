//! Webhook payloads shaped like GitHub's documented examples (the `Codertocat/Hello-World`
//! repository of GitHub's webhook docs), as the raw bodies GitHub would send. Tests
//! sign them with a webhook's secret and deliver them through verify -> parse ->
//! dispatch.

/// `X-GitHub-Event: pull_request`, action `opened`.
pub const PULL_REQUEST_OPENED: &str = include_str!("fixtures/pull_request.opened.json");
/// `X-GitHub-Event: pull_request`, action `closed` (merged).
pub const PULL_REQUEST_CLOSED: &str = include_str!("fixtures/pull_request.closed.json");
/// `X-GitHub-Event: pull_request`, action `synchronize` (new commits pushed).
pub const PULL_REQUEST_SYNCHRONIZE: &str = include_str!("fixtures/pull_request.synchronize.json");
/// `X-GitHub-Event: issues`, action `opened`.
pub const ISSUES_OPENED: &str = include_str!("fixtures/issues.opened.json");
/// `X-GitHub-Event: issues`, action `closed`.
pub const ISSUES_CLOSED: &str = include_str!("fixtures/issues.closed.json");
/// `X-GitHub-Event: issues`, action `labeled`.
pub const ISSUES_LABELED: &str = include_str!("fixtures/issues.labeled.json");
/// `X-GitHub-Event: ping`, sent once when a hook is created; it has no action.
pub const PING: &str = include_str!("fixtures/ping.json");
/// `X-GitHub-Event: push`, an event without an action.
pub const PUSH: &str = include_str!("fixtures/push.json");
