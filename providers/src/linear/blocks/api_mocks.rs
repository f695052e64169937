//! Mocked Linear GraphQL exchanges for the blocks' cases: each requires the API
//! key in `Authorization`, and the exact query and variables.

use block_core::http::Exchange;
use block_core::prelude::*;

use crate::linear::LinearClient;

/// The API key of the test credentials (`Credentials::test()`), sent as it is.
pub(super) const TEST_API_KEY: &str = "mock-linear-api-key";

/// A `POST` of `query` with `variables`, with the test API key.
pub(super) fn graphql(query: &str, variables: Value) -> Exchange {
    Exchange::post(LinearClient::API_URL)
        .header("authorization", TEST_API_KEY)
        .header("content-type", "application/json")
        .json_body(json!({"query": query, "variables": variables}))
}

/// Linear's answer carrying one GraphQL error of `kind`, with `status`.
pub(super) fn graphql_error(exchange: Exchange, status: u16, kind: &str, message: &str) -> Exchange {
    exchange.respond_json(
        status,
        json!({"errors": [{"message": message, "extensions": {"type": kind, "userPresentableMessage": message}}]}),
    )
}
