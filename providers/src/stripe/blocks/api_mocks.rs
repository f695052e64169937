//! Mocked Stripe exchanges for the blocks' cases: each requires the bearer key and
//! the exact form body.

use block_core::http::Exchange;
use block_core::prelude::*;

use crate::stripe::StripeClient;

/// The secret key of the test credentials (`Credentials::test()`).
pub(super) const TEST_KEY: &str = "mock-stripe-api-key";

/// A `POST` of the form `body` (as Stripe's docs write it, encoded) to `path`.
pub(super) fn post_form(path: &str, body: &str) -> Exchange {
    Exchange::post(&format!("{}{path}", StripeClient::API_BASE_URL))
        .header("authorization", &format!("Bearer {TEST_KEY}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
}

/// Stripe's error answer.
pub(super) fn stripe_error(
    exchange: Exchange,
    status: u16,
    kind: &str,
    code: &str,
    message: &str,
    param: &str,
) -> Exchange {
    let mut error = json!({"type": kind, "message": message});
    if !code.is_empty() {
        error["code"] = json!(code);
        error["doc_url"] = json!(format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-")));
    }
    if !param.is_empty() {
        error["param"] = json!(param);
    }
    exchange.respond_json(status, json!({"error": error}))
}
