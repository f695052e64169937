//! `StripeCreateCustomerBlock`: creates a customer (`POST /v1/customers`).

use std::collections::BTreeMap;

use block_core::prelude::*;

use super::api_mocks::{post_form, stripe_error};
use crate::stripe::{Stripe, StripeClient};

/// Inputs of `StripeCreateCustomerBlock`.
#[derive(BlockInput)]
pub struct StripeCreateCustomerInput {
    /// The customer's e-mail address.
    #[block_input(placeholder = "jenny.rosen@example.com")]
    pub email: Option<String>,
    /// The customer's full name or business name.
    #[block_input(placeholder = "Jenny Rosen")]
    pub name: Option<String>,
    /// The customer's phone number.
    #[block_input(advanced)]
    pub phone: Option<String>,
    /// A note shown with the customer in the Dashboard.
    #[block_input(advanced)]
    pub description: Option<String>,
    /// Keys and values to keep with the customer (up to 50).
    #[block_input(default = {}, advanced)]
    pub metadata: BTreeMap<String, String>,
    /// A Stripe secret key (or a restricted key with write access to customers).
    pub credentials: Credentials<Stripe, ApiKey>,
}

/// Outputs of `StripeCreateCustomerBlock`.
#[derive(BlockOutput)]
pub enum StripeCreateCustomerOutput {
    /// The customer's id, `cus_...`.
    CustomerId(String),
    /// The customer, as Stripe describes it.
    Customer(Value),
}

/// Creates a customer in a Stripe account, with an e-mail address, a name, a
/// phone number, a description and metadata.
#[block(id = "c378574e-fca1-43b6-a4af-915dbb52e72f", categories(Crm), tests = create_customer_cases)]
pub struct StripeCreateCustomerBlock;

impl Run for StripeCreateCustomerBlock {
    type Input = StripeCreateCustomerInput;
    type Output = StripeCreateCustomerOutput;

    async fn run(
        &self,
        input: StripeCreateCustomerInput,
        ctx: &RunContext,
        out: &Emit<StripeCreateCustomerOutput>,
    ) -> Result<(), BlockError> {
        if input.metadata.len() > 50 {
            return Err(BlockError::new("Stripe keeps at most 50 metadata keys; `metadata` has more"));
        }
        let mut pairs = Vec::new();
        for (name, value) in
            [("email", input.email), ("name", input.name), ("phone", input.phone), ("description", input.description)]
        {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                pairs.push((name.to_owned(), value));
            }
        }
        pairs.extend(input.metadata.into_iter().map(|(key, value)| (format!("metadata[{key}]"), value)));
        let stripe = StripeClient::new(ctx.http(), input.credentials.api_key());
        let customer = stripe.post_form("/customers", &pairs, "customer").await?;
        let id = customer["id"].as_str().ok_or_else(|| BlockError::new("Stripe's answer has no customer `id`"))?;
        out.emit(StripeCreateCustomerOutput::CustomerId(id.to_owned())).await?;
        out.emit(StripeCreateCustomerOutput::Customer(customer)).await
    }
}

fn create_customer_cases() -> Vec<TestCase<StripeCreateCustomerBlock>> {
    let created = customer();
    vec![
        TestCase::new("creates a customer with metadata", input(Some("jennyrosen@example.com"), Some("Jenny Rosen")))
            .http(
                post_form("/customers", "email=jennyrosen%40example.com&name=Jenny+Rosen&metadata%5Border_id%5D=6735")
                    .respond_json(200, created.clone()),
            )
            .outputs([
                StripeCreateCustomerOutput::CustomerId("cus_NffrFeUfNV2Hib".into()),
                StripeCreateCustomerOutput::Customer(created.clone()),
            ]),
        TestCase::json("creates an empty customer", json!({"credentials": test_meta()}))
            .http(post_form("/customers", "").respond_json(200, created.clone()))
            .output(StripeCreateCustomerOutput::CustomerId("cus_NffrFeUfNV2Hib".into()))
            .output_where("customer", "the customer", |c| c["object"] == "customer"),
        TestCase::new("passes on what Stripe found invalid", input(Some("not-an-address"), None))
            .http(stripe_error(
                post_form("/customers", "email=not-an-address&metadata%5Border_id%5D=6735"),
                400,
                "invalid_request_error",
                "email_invalid",
                "Invalid email address: not-an-address",
                "email",
            ))
            .error_containing(
                "Stripe rejected the request (400 Bad Request, parameter `email`): Invalid email address",
            ),
        TestCase::new("explains a key Stripe refuses", input(None, Some("Jenny Rosen")))
            .http(stripe_error(
                post_form("/customers", "name=Jenny+Rosen&metadata%5Border_id%5D=6735"),
                401,
                "invalid_request_error",
                "",
                "Invalid API Key provided: mock-str*****-key",
                "",
            ))
            .error_containing("Stripe refused the API key (401: Invalid API Key provided"),
        TestCase::new("says how long the rate limit holds", input(None, Some("Jenny Rosen")))
            .http(
                stripe_error(
                    post_form("/customers", "name=Jenny+Rosen&metadata%5Border_id%5D=6735"),
                    429,
                    "invalid_request_error",
                    "rate_limit",
                    "Too many requests hit the API too quickly.",
                    "",
                )
                .response_header("retry-after", "2"),
            )
            .error_containing("Stripe rate limited these requests until 2 seconds from now"),
    ]
}

fn input(email: Option<&str>, name: Option<&str>) -> StripeCreateCustomerInput {
    StripeCreateCustomerInput {
        email: email.map(Into::into),
        name: name.map(Into::into),
        phone: None,
        description: None,
        metadata: BTreeMap::from([("order_id".to_owned(), "6735".to_owned())]),
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: Credentials<Stripe, ApiKey> = Credentials::test();
    json!(credentials.meta())
}

/// A customer as Stripe's API reference shows one.
fn customer() -> Value {
    json!({
        "id": "cus_NffrFeUfNV2Hib",
        "object": "customer",
        "address": null,
        "balance": 0,
        "created": 1680893993,
        "currency": null,
        "default_source": null,
        "delinquent": false,
        "description": null,
        "email": "jennyrosen@example.com",
        "invoice_prefix": "0759376C",
        "invoice_settings": {"custom_fields": null, "default_payment_method": null, "footer": null,
                             "rendering_options": null},
        "livemode": false,
        "metadata": {"order_id": "6735"},
        "name": "Jenny Rosen",
        "next_invoice_sequence": 1,
        "phone": null,
        "preferred_locales": [],
        "shipping": null,
        "tax_exempt": "none",
        "test_clock": null,
    })
}
