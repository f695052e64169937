//! GitHub, as one module: the provider, its OAuth handler, the REST client, the
//! webhook manager and the blocks.
//!
//! - [`Github`], the provider: a personal access token (`GITHUB_TOKEN` for the
//!   platform default) or an OAuth login ([`github_oauth_handler`]), the trusted
//!   API origin.
//! - [`GithubClient`] (`client.rs`): GitHub's headers, bearer token from either
//!   kind of credentials, error statuses mapped to [`GithubError`] (rate limits
//!   included), pagination through the `Link` header on the API origin only.
//! - [`GithubWebhookManager`] (`webhooks/`): `X-Hub-Signature-256` checked in
//!   constant time, event types `<event>.<action>`, hooks registered and removed
//!   through the repository hooks API.
//! - Blocks: [`GithubListIssuesBlock`], [`GithubCreateIssueBlock`],
//!   [`GithubCommentBlock`], [`GithubPullRequestFilesBlock`].
//! - Trigger blocks: [`GithubPullRequestTriggerBlock`] and
//!   [`GithubIssuesTriggerBlock`], each with an event filter of actions, tested
//!   with the payloads of [`fixtures`] signed and delivered through the real
//!   verify -> parse -> dispatch path.
//!
//! Nothing here prints a token or a webhook secret, or sends a token anywhere but
//! `https://api.github.com`.

mod blocks;
mod client;
mod error;
pub mod fixtures;
mod oauth;
mod pagination;
mod repo;
mod triggers;
mod webhooks;

use block_core::prelude::*;

pub use blocks::{
    GithubCommentBlock, GithubCommentInput, GithubCommentOutput, GithubCreateIssueBlock, GithubCreateIssueInput,
    GithubCreateIssueOutput, GithubListIssuesBlock, GithubListIssuesInput, GithubListIssuesOutput,
    GithubPullRequestFilesBlock, GithubPullRequestFilesInput, GithubPullRequestFilesOutput, IssueState,
};
pub use client::{GithubClient, bearer_token};
pub use error::GithubError;
pub use oauth::{AUTHORIZE_URL, GithubOAuth, TOKEN_URL, github_oauth_handler};
pub use repo::{IssueRef, RepoRef, RepoRefError};
pub use triggers::{
    GithubIssuesTriggerBlock, GithubIssuesTriggerInput, GithubIssuesTriggerOutput, GithubPullRequestTriggerBlock,
    GithubPullRequestTriggerInput, GithubPullRequestTriggerOutput, IssuesEvents, PullRequestEvents,
};
pub use webhooks::GithubWebhookManager;

/// GitHub (`https://api.github.com`), reached with a personal access token or an
/// OAuth login.
///
/// Setting `GITHUB_TOKEN` gives every user platform default credentials; setting
/// `GITHUB_CLIENT_ID` and `GITHUB_CLIENT_SECRET` (an OAuth app's) lets users
/// connect their own accounts. Trigger blocks get repository events through
/// webhooks registered on the repository with the user's credentials.
#[provider(
    name = "github",
    display_name = "GitHub",
    icon = "https://github.githubassets.com/favicons/favicon.svg",
    api_key(env = "GITHUB_TOKEN"),
    oauth2(
        client_id_env = "GITHUB_CLIENT_ID",
        client_secret_env = "GITHUB_CLIENT_SECRET",
        scopes = ["repo", "read:user"],
        handler = github_oauth_handler,
    ),
    trusted_origins = ["https://api.github.com"],
    webhooks(auto, manager = GithubWebhookManager),
)]
pub struct Github;

/// The credentials every GitHub block takes: a personal access token or an OAuth
/// login.
pub type GithubCredentials = Credentials<Github, (ApiKey, OAuth2)>;

#[cfg(test)]
mod tests {
    use block_core::oauth::OAuthHandlers;
    use block_core::provider::{env_example, platform_credentials};
    use block_core::{Provider, Registry, json};

    use super::*;

    #[test]
    fn the_provider_declares_both_kinds_of_credentials_and_the_api_origin() {
        let descriptor = Github::DESCRIPTOR;
        assert_eq!(descriptor.name, "github");
        assert_eq!(descriptor.info()["display_name"], "GitHub");
        assert_eq!(descriptor.trusted_origins, ["https://api.github.com"]);
        let env = env_example([descriptor]);
        for variable in ["GITHUB_TOKEN", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"] {
            assert!(env.contains(&format!("\n{variable}=\n")), "{variable} missing from:\n{env}");
        }
    }

    #[test]
    fn a_platform_token_becomes_default_credentials() {
        let env = |name: &str| (name == "GITHUB_TOKEN").then(|| "ghp_platform".to_owned());
        let platform = platform_credentials([Github::DESCRIPTOR], env);
        assert_eq!(platform.len(), 1);
        assert_eq!(platform[0].meta().provider, "github");
    }

    #[test]
    fn the_oauth_handler_is_built_from_the_apps_variables() {
        let env = |name: &str| match name {
            "GITHUB_CLIENT_ID" => Some("Iv1.abc".to_owned()),
            "GITHUB_CLIENT_SECRET" => Some("shh".to_owned()),
            _ => None,
        };
        let (handlers, problems) = OAuthHandlers::from_env([Github::DESCRIPTOR], env);
        assert!(handlers.get("github").is_some() && problems.is_empty(), "{problems:?}");
        let (handlers, problems) = OAuthHandlers::from_env([Github::DESCRIPTOR], |_| None);
        assert!(handlers.get("github").is_none());
        assert!(problems.iter().any(|p| p.to_string().contains("GITHUB_CLIENT_ID")), "{problems:?}");
    }

    #[test]
    fn every_block_asks_for_a_github_token_or_oauth_login() {
        let registry = Registry::builder()
            .block::<GithubListIssuesBlock>()
            .block::<GithubCreateIssueBlock>()
            .block::<GithubCommentBlock>()
            .block::<GithubPullRequestFilesBlock>()
            .build()
            .expect("valid");
        for name in
            ["GithubListIssuesBlock", "GithubCreateIssueBlock", "GithubCommentBlock", "GithubPullRequestFilesBlock"]
        {
            let block = registry.by_name(name).expect("registered");
            let credentials = &block.input_schema()["properties"]["credentials"];
            assert_eq!(credentials["credentials_provider"], json!(["github"]), "{name}");
            assert_eq!(credentials["credentials_types"], json!(["api_key", "oauth2"]), "{name}");
            assert_eq!(block.trusted_origins(), ["https://api.github.com"], "{name}");
        }
    }
}
