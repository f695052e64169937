//! Slack, as one module: the provider, its OAuth handler, the Web API client, the
//! Events API webhook manager and the blocks.
//!
//! Written against Slack's documentation: the Web API methods
//! <https://api.slack.com/methods/chat.postMessage>,
//! <https://api.slack.com/methods/conversations.list>,
//! <https://api.slack.com/methods/users.info> and
//! <https://api.slack.com/methods/users.lookupByEmail>; errors and rate limits,
//! <https://api.slack.com/web#responses> and <https://api.slack.com/apis/rate-limits>;
//! OAuth v2, <https://api.slack.com/authentication/oauth-v2>; the Events API,
//! <https://api.slack.com/apis/events-api> and
//! <https://api.slack.com/events/url_verification>; request signing,
//! <https://api.slack.com/authentication/verifying-requests-from-slack>, whose
//! worked example is a test vector of `webhooks.rs`.
//!
//! - [`Slack`], the provider: a bot token (`SLACK_BOT_TOKEN` for the platform
//!   default) or an OAuth login ([`slack_oauth_handler`]), the trusted origin
//!   `https://slack.com`.
//! - [`SlackClient`] (`client.rs`): the bearer token, `GET` for reads and JSON
//!   `POST` for writes, Slack's `"ok": false` codes and `429`s mapped to
//!   [`SlackError`].
//! - [`SlackWebhookManager`] (`webhooks.rs`): manual webhooks signed with the
//!   app's signing secret (which Slack issues and the user gives), a five-minute
//!   window, and the `url_verification` handshake answered with its challenge.
//! - Blocks: [`SlackPostMessageBlock`], [`SlackListChannelsBlock`],
//!   [`SlackLookupUserBlock`]; trigger: [`SlackEventTriggerBlock`].
//!
//! Nothing here prints a token or a signing secret, or sends a token anywhere but
//! `https://slack.com`.

mod blocks;
mod client;
mod error;
mod oauth;
mod trigger;
mod webhooks;

use block_core::prelude::*;

pub use blocks::{
    SlackListChannelsBlock, SlackListChannelsInput, SlackListChannelsOutput, SlackLookupUserBlock,
    SlackLookupUserInput, SlackLookupUserOutput, SlackPostMessageBlock, SlackPostMessageInput, SlackPostMessageOutput,
};
pub use client::{SlackClient, slack_token};
pub use error::SlackError;
pub use oauth::{AUTHORIZE_URL, TOKEN_URL, slack_oauth_handler};
pub use trigger::{SlackEventTriggerBlock, SlackEventTriggerInput, SlackEventTriggerOutput, SlackEvents};
pub use webhooks::{SlackWebhookManager, slack_signature};

/// Slack (`https://slack.com/api`), reached with a bot token or an OAuth login.
///
/// Setting `SLACK_BOT_TOKEN` gives every user platform default credentials;
/// setting `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` (a Slack app's) lets users
/// install the app in their workspaces. The Events API trigger takes the app's
/// signing secret, which Slack issues, on a webhook set up by hand.
#[provider(
    name = "slack",
    display_name = "Slack",
    api_key(env = "SLACK_BOT_TOKEN"),
    oauth2(
        client_id_env = "SLACK_CLIENT_ID",
        client_secret_env = "SLACK_CLIENT_SECRET",
        scopes = ["chat:write", "channels:read", "users:read", "users:read.email"],
        handler = slack_oauth_handler,
    ),
    trusted_origins = ["https://slack.com"],
    webhooks(manual, manager = SlackWebhookManager),
)]
pub struct Slack;

/// The credentials every Slack block takes: a bot token or an OAuth login.
pub type SlackCredentials = Credentials<Slack, (ApiKey, OAuth2)>;

#[cfg(test)]
mod tests {
    use block_core::oauth::{OAuthHandlers, Pkce};
    use block_core::provider::env_example;
    use block_core::webhooks::WebhookManager;
    use block_core::{Provider, Registry};

    use super::*;

    #[test]
    fn the_provider_declares_a_bot_token_oauth_and_its_variables() {
        let descriptor = Slack::DESCRIPTOR;
        assert_eq!(descriptor.name, "slack");
        assert_eq!(descriptor.trusted_origins, ["https://slack.com"]);
        let env = env_example([descriptor]);
        for variable in ["SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"] {
            assert!(env.contains(&format!("\n{variable}=\n")), "{variable} missing from:\n{env}");
        }
        assert!(SlackWebhookManager.secret_source().is_provider_issued(), "the app's signing secret");
    }

    #[test]
    fn the_login_url_joins_scopes_with_commas_and_asks_for_pkce() {
        let env = |name: &str| match name {
            "SLACK_CLIENT_ID" => Some("123.456".to_owned()),
            "SLACK_CLIENT_SECRET" => Some("shh".to_owned()),
            _ => None,
        };
        let (handlers, problems) = OAuthHandlers::from_env([Slack::DESCRIPTOR], env);
        assert!(problems.is_empty(), "{problems:?}");
        let handler = handlers.get("slack").expect("configured");
        let scopes = ["chat:write".to_owned(), "channels:read".to_owned()];
        let url = handler.authorize_url("https://app.example.com/cb", &scopes, "st", &Pkce::new()).expect("url");
        assert!(url.as_str().starts_with(AUTHORIZE_URL), "{url}");
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert!(query.contains(&("scope".into(), "chat:write,channels:read".into())), "{query:?}");
        assert!(query.iter().any(|(k, v)| k == "code_challenge_method" && v == "S256"), "{query:?}");
    }

    #[test]
    fn every_block_asks_for_a_slack_token_or_oauth_login() {
        let registry = Registry::builder()
            .block::<SlackPostMessageBlock>()
            .block::<SlackListChannelsBlock>()
            .block::<SlackLookupUserBlock>()
            .build()
            .expect("valid");
        for name in ["SlackPostMessageBlock", "SlackListChannelsBlock", "SlackLookupUserBlock"] {
            let block = registry.by_name(name).expect("registered");
            let credentials = &block.input_schema()["properties"]["credentials"];
            assert_eq!(credentials["credentials_provider"], json!(["slack"]), "{name}");
            assert_eq!(credentials["credentials_types"], json!(["api_key", "oauth2"]), "{name}");
        }
    }
}
