//! Mocked Slack Web API exchanges for the blocks' cases: each requires the bearer
//! token, so the cases check it on every request.

use block_core::http::Exchange;
use block_core::prelude::*;

use crate::slack::SlackClient;

/// The bearer token of the test credentials (`Credentials::test()`).
pub(super) const TEST_TOKEN: &str = "mock-slack-api-key";

/// A `GET` of `method` with `query` (already encoded), with the test token.
pub(super) fn get(method: &str, query: &str) -> Exchange {
    Exchange::get(&format!("{}/{method}?{query}", SlackClient::API_BASE_URL))
        .header("authorization", &format!("Bearer {TEST_TOKEN}"))
}

/// A `POST` of `body` as JSON to `method`, with the test token.
pub(super) fn post(method: &str, body: Value) -> Exchange {
    Exchange::post(&format!("{}/{method}", SlackClient::API_BASE_URL))
        .header("authorization", &format!("Bearer {TEST_TOKEN}"))
        .header("content-type", "application/json; charset=utf-8")
        .json_body(body)
}

/// Slack's answer to a failed call: `200 OK` with `ok: false` and the code.
pub(super) fn refused(exchange: Exchange, code: &str) -> Exchange {
    exchange.respond_json(200, json!({"ok": false, "error": code}))
}
