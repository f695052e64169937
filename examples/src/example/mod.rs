//! The reference tutorial's "Example API" integration, as one module.
//!
//! In the reference platform this integration touches 13 files in two languages
//! (provider enum, settings, credential store, `.env.example`, cost table, three
//! frontend constants, ...). Here it is this module and nothing else:
//!
//! - [`Example`], the provider: slug, display name, the `EXAMPLE_API_KEY` variable
//!   holding the platform default key, the trusted origin and the base cost. The
//!   server lists it, builds its credential forms and writes `.env.example` from
//!   this declaration alone; with no icon declared, UIs show the generic one.
//! - [`ExampleClient`] (`client.rs`): the API client, over the run's `ctx.http()`.
//! - [`ExampleBlock`] (`blocks.rs`): greets someone through the API, with test
//!   cases whose mocked HTTP exchanges run the real client code.
//! - [`ExampleWebhookManager`] (`webhooks.rs`): manual webhooks, signed with a
//!   timestamped HMAC, typed by the body's `webhook_type`.
//! - [`ExampleTriggerBlock`] (`trigger.rs`): runs on `example_event` deliveries,
//!   tested with signed fixtures through the real dispatch path.

mod blocks;
mod client;
mod trigger;
mod webhooks;

use block_core::prelude::*;

pub use blocks::{ExampleBlock, ExampleInput, ExampleOutput};
pub use client::{ExampleApiError, ExampleClient};
pub use trigger::{ExampleTriggerBlock, ExampleTriggerInput, ExampleTriggerOutput};
pub use webhooks::ExampleWebhookManager;

/// The Example API (`https://api.example.com`), reached with an API key.
///
/// Setting `EXAMPLE_API_KEY` gives every user platform default credentials;
/// blocks run on them cost 1 credit a run, bring-your-own keys are free.
#[provider(
    name = "example",
    display_name = "Example",
    api_key(env = "EXAMPLE_API_KEY"),
    trusted_origins = ["https://api.example.com"],
    base_cost(run = 1, platform_only),
    webhooks(manual, manager = ExampleWebhookManager),
)]
pub struct Example;

#[cfg(test)]
mod tests {
    use block_core::provider::{FALLBACK_ICON, env_example, platform_credentials};
    use block_core::{Provider, Registry};

    use super::{Example, ExampleBlock};

    #[test]
    fn the_credentials_field_asks_for_an_example_api_key() {
        let registry = Registry::builder().block::<ExampleBlock>().build().expect("valid");
        let block = registry.by_name("ExampleBlock").expect("registered");
        let credentials = &block.input_schema()["properties"]["credentials"];
        assert_eq!(credentials["credentials_provider"], block_core::json!(["example"]));
        assert_eq!(credentials["credentials_types"], block_core::json!(["api_key"]));
        assert_eq!(block.trusted_origins(), ["https://api.example.com"]);
    }

    #[test]
    fn the_provider_declaration_is_all_the_platform_needs() {
        let descriptor = Example::DESCRIPTOR;
        assert_eq!(descriptor.info()["display_name"], "Example");
        assert_eq!(descriptor.info()["icon"], FALLBACK_ICON);
        assert!(env_example([descriptor]).contains("\nEXAMPLE_API_KEY=\n"));
        let env = |name: &str| (name == "EXAMPLE_API_KEY").then(|| "platform-key".to_owned());
        let platform = platform_credentials([descriptor], env);
        assert_eq!(platform.len(), 1);
        assert_eq!(platform[0].meta().provider, "example");
    }

    #[test]
    fn runs_on_platform_credentials_cost_a_credit_and_own_keys_are_free() {
        let registry = Registry::builder().block::<ExampleBlock>().build().expect("valid");
        let costs = registry.by_name("ExampleBlock").expect("registered").info()["costs"].clone();
        assert_eq!(costs[0]["cost_amount"], 1);
        assert_eq!(costs[0]["cost_type"], "run");
        assert_eq!(costs[0]["cost_filter"]["credentials"]["provider"], "example");
    }
}
