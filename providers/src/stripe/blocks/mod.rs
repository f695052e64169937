//! Stripe's standard blocks, one file each, and the mocked exchanges their cases
//! share.

mod api_mocks;
mod create_customer;
mod create_payment_link;

pub use create_customer::{StripeCreateCustomerBlock, StripeCreateCustomerInput, StripeCreateCustomerOutput};
pub use create_payment_link::{
    StripeCreatePaymentLinkBlock, StripeCreatePaymentLinkInput, StripeCreatePaymentLinkOutput,
};
