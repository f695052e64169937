//! Notion, as one module: the provider, its OAuth handler, the API client and the
//! blocks.
//!
//! Documentation followed (endpoints, headers, bodies, errors):
//! - Versioning (`Notion-Version: 2022-06-28`): <https://developers.notion.com/reference/versioning>
//! - Create a page: <https://developers.notion.com/reference/post-page>
//! - Query a database: <https://developers.notion.com/reference/post-database-query>
//! - Append block children: <https://developers.notion.com/reference/patch-block-children>
//! - Property values: <https://developers.notion.com/reference/page-property-values>
//! - Status and error codes, rate limits: <https://developers.notion.com/reference/status-codes>,
//!   <https://developers.notion.com/reference/request-limits>
//! - Authorization (internal tokens, OAuth): <https://developers.notion.com/docs/authorization>
//!
//! - [`Notion`], the provider: an internal integration token (API key) or a public
//!   integration's OAuth login ([`notion_oauth_handler`]: HTTP Basic client
//!   authentication and JSON at the token endpoint, which the standard handler
//!   does not do). Trusted origin `https://api.notion.com`.
//! - [`NotionClient`] (`client.rs`) with [`NotionError`] (a 404 says to share the
//!   page with the integration, a 429 says until when).
//! - Blocks: [`NotionCreatePageBlock`], [`NotionQueryDatabaseBlock`],
//!   [`NotionAppendBlocksBlock`].
//!
//! Nothing here prints a token or the OAuth app's secret.

mod blocks;
mod client;
mod error;
mod ids;
mod oauth;

use block_core::prelude::*;

pub use blocks::{
    NotionAppendBlocksBlock, NotionAppendBlocksInput, NotionAppendBlocksOutput, NotionCreatePageBlock,
    NotionCreatePageInput, NotionCreatePageOutput, NotionParentType, NotionQueryDatabaseBlock,
    NotionQueryDatabaseInput, NotionQueryDatabaseOutput, page_summary,
};
pub use client::{NotionClient, bearer_token};
pub use error::NotionError;
pub use ids::notion_id;
pub use oauth::{AUTHORIZE_URL, NotionOAuth, REVOKE_URL, TOKEN_URL, notion_oauth_handler};

/// Notion (`https://api.notion.com`), reached with an internal integration token
/// or a public integration's OAuth login.
///
/// Setting `NOTION_CLIENT_ID` and `NOTION_CLIENT_SECRET` (a public integration's)
/// lets users connect their workspaces. There is no platform default token: it
/// would open one workspace to every user.
#[provider(
    name = "notion",
    display_name = "Notion",
    icon = "https://www.notion.so/images/favicon.ico",
    api_key,
    oauth2(
        client_id_env = "NOTION_CLIENT_ID",
        client_secret_env = "NOTION_CLIENT_SECRET",
        scopes = [],
        handler = notion_oauth_handler,
    ),
    trusted_origins = ["https://api.notion.com"],
)]
pub struct Notion;

/// The credentials every Notion block takes: an integration token or an OAuth login.
pub type NotionCredentials = Credentials<Notion, (ApiKey, OAuth2)>;

#[cfg(test)]
mod tests {
    use block_core::oauth::OAuthHandlers;
    use block_core::{Provider, Registry, json};

    use super::*;

    #[test]
    fn the_oauth_handler_is_built_from_the_apps_variables() {
        let env = |name: &str| match name {
            "NOTION_CLIENT_ID" => Some("id".to_owned()),
            "NOTION_CLIENT_SECRET" => Some("secret".to_owned()),
            _ => None,
        };
        let (handlers, problems) = OAuthHandlers::from_env([Notion::DESCRIPTOR], env);
        assert!(handlers.get("notion").is_some() && problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn every_block_takes_a_token_or_an_oauth_login() {
        let registry = Registry::builder()
            .block::<NotionCreatePageBlock>()
            .block::<NotionQueryDatabaseBlock>()
            .block::<NotionAppendBlocksBlock>()
            .build()
            .expect("valid");
        for name in ["NotionCreatePageBlock", "NotionQueryDatabaseBlock", "NotionAppendBlocksBlock"] {
            let credentials = &registry.by_name(name).expect("registered").input_schema()["properties"]["credentials"];
            assert_eq!(credentials["credentials_types"], json!(["api_key", "oauth2"]), "{name}");
        }
    }
}
