//! Mocked GitHub API exchanges for the blocks' test cases: each requires the
//! headers the real client must send, so the cases check them on every request.

use block_core::credentials::{CredentialsType, test_credentials};
use block_core::http::Exchange;
use block_core::prelude::*;

use crate::github::GithubClient;

/// The bearer token of the test API key (`Credentials::test()`).
pub(super) const TEST_API_KEY: &str = "mock-github-api-key";

/// The bearer token of the test OAuth login.
pub(super) const TEST_ACCESS_TOKEN: &str = "mock-github-access-token";

/// The meta object of the test OAuth login, as a JSON input names it.
pub(super) fn oauth_meta() -> Value {
    json!(test_credentials("github", CredentialsType::OAuth2).meta())
}

/// `exchange` requiring GitHub's headers and `Authorization: Bearer <token>`.
pub(super) fn with_headers(exchange: Exchange, token: &str) -> Exchange {
    exchange
        .header("authorization", &format!("Bearer {token}"))
        .header("accept", "application/vnd.github+json")
        .header("x-github-api-version", GithubClient::API_VERSION)
        .header("user-agent", GithubClient::USER_AGENT)
}

/// A `GET` of `path_and_query` on the API, with the test API key.
pub(super) fn get(path_and_query: &str) -> Exchange {
    with_headers(Exchange::get(&format!("{}{path_and_query}", GithubClient::API_BASE_URL)), TEST_API_KEY)
}

/// A `POST` of `body` to `path` on the API, with the test API key.
pub(super) fn post(path: &str, body: Value) -> Exchange {
    with_headers(Exchange::post(&format!("{}{path}", GithubClient::API_BASE_URL)), TEST_API_KEY)
        .header("content-type", "application/json")
        .json_body(body)
}

/// `exchange` answering 403 with GitHub's rate-limit headers, reset at
/// 2023-11-14 22:13:20 UTC.
pub(super) fn rate_limited(exchange: Exchange) -> Exchange {
    exchange
        .respond_json(403, json!({"message": "API rate limit exceeded for user ID 1."}))
        .response_header("x-ratelimit-limit", "5000")
        .response_header("x-ratelimit-remaining", "0")
        .response_header("x-ratelimit-reset", "1700000000")
}

/// What the rate-limited answer of [`rate_limited`] must be reported as.
pub(super) const RATE_LIMITED_UNTIL: &str = "rate limited these credentials until Tue, 14 Nov 2023 22:13:20 GMT";
