//! `StripeCreatePaymentLinkBlock`: creates a payment link (`POST /v1/payment_links`)
//! for one product, by price id or by amount.

use block_core::prelude::*;

use super::api_mocks::{post_form, stripe_error};
use crate::stripe::{Stripe, StripeClient};

/// Inputs of `StripeCreatePaymentLinkBlock`.
#[derive(BlockInput)]
pub struct StripeCreatePaymentLinkInput {
    /// The id of an existing price (`price_...`). Leave it out to give an amount,
    /// a currency and a product name instead.
    #[block_input(placeholder = "price_1MoBy5LkdIwHu7ixZhnattbh")]
    pub price: Option<String>,
    /// The amount in the currency's smallest unit (cents for USD), for a new price.
    #[block_input(min = 1)]
    pub amount: Option<u64>,
    /// The three-letter ISO currency code, lowercase, for a new price.
    #[block_input(placeholder = "usd", min_length = 3, max_length = 3)]
    pub currency: Option<String>,
    /// The product's name, for a new price.
    #[block_input(placeholder = "T-shirt")]
    pub product_name: Option<String>,
    /// How many the customer buys.
    #[block_input(default = 1, min = 1)]
    pub quantity: u64,
    /// Where to send the customer after paying; Stripe's confirmation page when left out.
    #[block_input(advanced, format = "uri")]
    pub redirect_url: Option<String>,
    /// A Stripe secret key (or a restricted key with write access to payment links).
    pub credentials: Credentials<Stripe, ApiKey>,
}

/// Outputs of `StripeCreatePaymentLinkBlock`.
#[derive(BlockOutput)]
pub enum StripeCreatePaymentLinkOutput {
    /// The link to share with customers.
    Url(String),
    /// The payment link's id, `plink_...`.
    PaymentLinkId(String),
    /// The payment link, as Stripe describes it.
    PaymentLink(Value),
}

/// Creates a Stripe payment link for one product: an existing price, or an amount
/// in a currency with a product name.
#[block(id = "07b565de-b4bf-473c-9643-24591e84178e", categories(Crm, Marketing), tests = payment_link_cases)]
pub struct StripeCreatePaymentLinkBlock;

impl Run for StripeCreatePaymentLinkBlock {
    type Input = StripeCreatePaymentLinkInput;
    type Output = StripeCreatePaymentLinkOutput;

    async fn run(
        &self,
        input: StripeCreatePaymentLinkInput,
        ctx: &RunContext,
        out: &Emit<StripeCreatePaymentLinkOutput>,
    ) -> Result<(), BlockError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let given = |text: Option<String>| text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        let target = match (given(input.price), input.amount, given(input.currency), given(input.product_name)) {
            (Some(price), None, None, None) => {
                pairs.push(("line_items[0][price]".into(), price.clone()));
                format!("price `{price}`")
            }
            (None, Some(amount), Some(currency), Some(name)) => {
                pairs.push(("line_items[0][price_data][currency]".into(), currency.to_ascii_lowercase()));
                pairs.push(("line_items[0][price_data][unit_amount]".into(), amount.to_string()));
                pairs.push(("line_items[0][price_data][product_data][name]".into(), name));
                "price".to_owned()
            }
            _ => {
                return Err(BlockError::new(
                    "give either `price` (an existing price id) or all of `amount`, `currency` and `product_name`",
                ));
            }
        };
        pairs.push(("line_items[0][quantity]".into(), input.quantity.to_string()));
        if let Some(url) = given(input.redirect_url) {
            pairs.push(("after_completion[type]".into(), "redirect".into()));
            pairs.push(("after_completion[redirect][url]".into(), url));
        }
        let stripe = StripeClient::new(ctx.http(), input.credentials.api_key());
        let link = stripe.post_form("/payment_links", &pairs, &target).await?;
        let text = |key: &str| {
            link[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| BlockError::new(format!("Stripe's answer has no `{key}`")))
        };
        out.emit(StripeCreatePaymentLinkOutput::Url(text("url")?)).await?;
        out.emit(StripeCreatePaymentLinkOutput::PaymentLinkId(text("id")?)).await?;
        out.emit(StripeCreatePaymentLinkOutput::PaymentLink(link)).await
    }
}

fn payment_link_cases() -> Vec<TestCase<StripeCreatePaymentLinkBlock>> {
    let link = payment_link();
    let outputs = || {
        [
            StripeCreatePaymentLinkOutput::Url("https://buy.stripe.com/test_cN25nr0iZ7bUa7meUY".into()),
            StripeCreatePaymentLinkOutput::PaymentLinkId("plink_1MoC3ULkdIwHu7ixZjtGpVl2".into()),
            StripeCreatePaymentLinkOutput::PaymentLink(link.clone()),
        ]
    };
    vec![
        TestCase::new("links to an existing price", by_price("price_1MoBy5LkdIwHu7ixZhnattbh"))
            .http(
                post_form(
                    "/payment_links",
                    "line_items%5B0%5D%5Bprice%5D=price_1MoBy5LkdIwHu7ixZhnattbh&line_items%5B0%5D%5Bquantity%5D=1",
                )
                .respond_json(200, link.clone()),
            )
            .outputs(outputs()),
        TestCase::new("makes the price from an amount and redirects after paying", by_amount())
            .http(
                post_form(
                    "/payment_links",
                    "line_items%5B0%5D%5Bprice_data%5D%5Bcurrency%5D=usd\
                     &line_items%5B0%5D%5Bprice_data%5D%5Bunit_amount%5D=2000\
                     &line_items%5B0%5D%5Bprice_data%5D%5Bproduct_data%5D%5Bname%5D=T-shirt\
                     &line_items%5B0%5D%5Bquantity%5D=2\
                     &after_completion%5Btype%5D=redirect\
                     &after_completion%5Bredirect%5D%5Burl%5D=https%3A%2F%2Fshop.example.com%2Fthanks",
                )
                .respond_json(200, link.clone()),
            )
            .outputs(outputs()),
        TestCase::new("names the price Stripe does not have", by_price("price_missing"))
            .http(stripe_error(
                post_form(
                    "/payment_links",
                    "line_items%5B0%5D%5Bprice%5D=price_missing&line_items%5B0%5D%5Bquantity%5D=1",
                ),
                400,
                "invalid_request_error",
                "resource_missing",
                "No such price: 'price_missing'",
                "line_items[0][price]",
            ))
            .error_containing("Stripe found no price `price_missing` (No such price: 'price_missing')"),
        TestCase::new("explains a restricted key without access", by_price("price_1"))
            .http(stripe_error(
                post_form("/payment_links", "line_items%5B0%5D%5Bprice%5D=price_1&line_items%5B0%5D%5Bquantity%5D=1"),
                403,
                "invalid_request_error",
                "",
                "The provided key 'rk_test_***' does not have the required permissions for this endpoint.",
                "",
            ))
            .error_containing("Stripe denied access (403"),
        TestCase::new(
            "needs a price or a whole amount",
            StripeCreatePaymentLinkInput { currency: None, ..by_amount() },
        )
        .error_containing(
            "give either `price` (an existing price id) or all of `amount`, `currency` and `product_name`",
        ),
        TestCase::json(
            "refuses a quantity of zero",
            json!({"price": "price_1", "quantity": 0, "credentials": test_meta()}),
        )
        .invalid_input(["/quantity"]),
    ]
}

fn by_price(price: &str) -> StripeCreatePaymentLinkInput {
    StripeCreatePaymentLinkInput {
        price: Some(price.into()),
        amount: None,
        currency: None,
        product_name: None,
        quantity: 1,
        redirect_url: None,
        credentials: Credentials::test(),
    }
}

fn by_amount() -> StripeCreatePaymentLinkInput {
    StripeCreatePaymentLinkInput {
        price: None,
        amount: Some(2000),
        currency: Some("USD".into()),
        product_name: Some("T-shirt".into()),
        quantity: 2,
        redirect_url: Some("https://shop.example.com/thanks".into()),
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: Credentials<Stripe, ApiKey> = Credentials::test();
    json!(credentials.meta())
}

/// A payment link as Stripe's API reference shows one (trimmed).
fn payment_link() -> Value {
    json!({
        "id": "plink_1MoC3ULkdIwHu7ixZjtGpVl2",
        "object": "payment_link",
        "active": true,
        "after_completion": {"hosted_confirmation": {"custom_message": null}, "type": "hosted_confirmation"},
        "allow_promotion_codes": false,
        "billing_address_collection": "auto",
        "currency": "usd",
        "customer_creation": "if_required",
        "livemode": false,
        "metadata": {},
        "payment_method_types": null,
        "url": "https://buy.stripe.com/test_cN25nr0iZ7bUa7meUY",
    })
}
