//! Linear, as one module: the provider, its OAuth handler, the GraphQL client,
//! the webhook manager and the blocks.
//!
//! Written against Linear's developer documentation: the GraphQL API and its
//! authentication, <https://linear.app/developers/graphql>; OAuth 2,
//! <https://linear.app/developers/oauth-2-0-authentication>; rate limits,
//! <https://linear.app/developers/rate-limiting>; webhooks and their signatures,
//! <https://linear.app/developers/webhooks>.
//!
//! - [`Linear`], the provider: a personal API key (`LINEAR_API_KEY` for the
//!   platform default) or an OAuth login ([`linear_oauth_handler`]), the trusted
//!   origin `https://api.linear.app`.
//! - [`LinearClient`] (`client.rs`): the key as `Authorization` (an OAuth token as
//!   `Bearer`), GraphQL errors mapped to [`LinearError`] by their type, the rate
//!   limit's reset time read from its header.
//! - [`LinearWebhookManager`] (`webhooks.rs`): manual webhooks signed with the
//!   secret Linear issues, `Linear-Signature` and a one-minute window on the
//!   signed `webhookTimestamp`.
//! - Blocks: [`LinearCreateIssueBlock`] (a team by key or id),
//!   [`LinearSearchIssuesBlock`]; trigger: [`LinearIssueTriggerBlock`].
//!
//! Nothing here prints a key, a token or a signing secret, or sends a key
//! anywhere but `https://api.linear.app`.

mod blocks;
mod client;
mod error;
mod oauth;
mod trigger;
mod webhooks;

use block_core::prelude::*;

pub use blocks::{
    LinearCreateIssueBlock, LinearCreateIssueInput, LinearCreateIssueOutput, LinearSearchIssuesBlock,
    LinearSearchIssuesInput, LinearSearchIssuesOutput, Priority,
};
pub use client::LinearClient;
pub use error::LinearError;
pub use oauth::{AUTHORIZE_URL, TOKEN_URL, linear_oauth_handler};
pub use trigger::{LinearIssueEvents, LinearIssueTriggerBlock, LinearIssueTriggerInput, LinearIssueTriggerOutput};
pub use webhooks::{LinearWebhookManager, webhook_timestamp};

/// Linear (`https://api.linear.app/graphql`), reached with a personal API key or
/// an OAuth login.
///
/// Setting `LINEAR_API_KEY` gives every user platform default credentials;
/// setting `LINEAR_CLIENT_ID` and `LINEAR_CLIENT_SECRET` (an OAuth application's)
/// lets users connect their own workspaces. The issue trigger takes the signing
/// secret Linear issues for a webhook set up by hand.
#[provider(
    name = "linear",
    display_name = "Linear",
    api_key(env = "LINEAR_API_KEY"),
    oauth2(
        client_id_env = "LINEAR_CLIENT_ID",
        client_secret_env = "LINEAR_CLIENT_SECRET",
        scopes = ["read", "write"],
        handler = linear_oauth_handler,
    ),
    trusted_origins = ["https://api.linear.app"],
    webhooks(manual, manager = LinearWebhookManager),
)]
pub struct Linear;

/// The credentials every Linear block takes: a personal API key or an OAuth login.
pub type LinearCredentials = Credentials<Linear, (ApiKey, OAuth2)>;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use block_core::credentials::{CredentialsType, test_credentials};
    use block_core::http::{Exchange, HttpClient, HttpPolicy, MockTransport};
    use block_core::oauth::{OAuthHandlers, Pkce};
    use block_core::provider::env_example;
    use block_core::{Provider, Registry};

    use super::*;

    #[test]
    fn the_provider_declares_an_api_key_oauth_and_its_variables() {
        let descriptor = Linear::DESCRIPTOR;
        assert_eq!(descriptor.trusted_origins, ["https://api.linear.app"]);
        let env = env_example([descriptor]);
        for variable in ["LINEAR_API_KEY", "LINEAR_CLIENT_ID", "LINEAR_CLIENT_SECRET"] {
            assert!(env.contains(&format!("\n{variable}=\n")), "{variable} missing from:\n{env}");
        }
        let env = |name: &str| (name != "LINEAR_API_KEY").then(|| "x".to_owned());
        let (handlers, problems) = OAuthHandlers::from_env([descriptor], env);
        assert!(problems.is_empty(), "{problems:?}");
        let url = handlers
            .get("linear")
            .expect("configured")
            .authorize_url("https://app.example.com/cb", &["read".into(), "write".into()], "st", &Pkce::new())
            .expect("url");
        assert!(url.as_str().starts_with(AUTHORIZE_URL) && url.as_str().contains("scope=read%2Cwrite"), "{url}");
    }

    #[tokio::test]
    async fn an_oauth_token_goes_as_bearer_and_a_key_as_it_is() {
        let mock = Arc::new(MockTransport::new([
            Exchange::post(LinearClient::API_URL)
                .header("authorization", "Bearer mock-linear-access-token")
                .respond_json(200, json!({"data": {"viewer": {"id": "u-1"}}})),
            Exchange::post(LinearClient::API_URL).header("authorization", "mock-linear-api-key").respond_json(
                401,
                json!({"errors": [{"message": "Authentication required, not authenticated",
                                                      "extensions": {"type": "authentication error"}}]}),
            ),
        ]));
        let http = HttpClient::new(HttpPolicy::default(), mock.clone());
        let oauth = test_credentials("linear", CredentialsType::OAuth2);
        let client = LinearClient::from_credentials(&http, &oauth).expect("oauth");
        let data = client.query("query { viewer { id } }", json!({}), "the viewer").await.expect("answered");
        assert_eq!(data["viewer"]["id"], "u-1");
        let key = test_credentials("linear", CredentialsType::ApiKey);
        let client = LinearClient::from_credentials(&http, &key).expect("key");
        let error = client.query("query { viewer { id } }", json!({}), "the viewer").await.expect_err("401");
        let text = format!("{error} {error:?}");
        assert!(text.contains("Linear refused the credentials"), "{text}");
        assert!(!text.contains("mock-linear-api-key"), "{text}");
        mock.verify().expect("both requests made as declared");
    }

    #[test]
    fn every_block_asks_for_a_linear_key_or_oauth_login() {
        let registry = Registry::builder()
            .block::<LinearCreateIssueBlock>()
            .block::<LinearSearchIssuesBlock>()
            .build()
            .expect("valid");
        for name in ["LinearCreateIssueBlock", "LinearSearchIssuesBlock"] {
            let block = registry.by_name(name).expect("registered");
            let credentials = &block.input_schema()["properties"]["credentials"];
            assert_eq!(credentials["credentials_provider"], json!(["linear"]), "{name}");
            assert_eq!(credentials["credentials_types"], json!(["api_key", "oauth2"]), "{name}");
        }
    }
}
