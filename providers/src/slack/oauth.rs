//! Slack's OAuth v2 ("Add to Slack"): the authorization code flow at
//! `https://slack.com/oauth/v2/authorize`, tokens from `oauth.v2.access`.
//!
//! Slack joins scopes with commas, takes PKCE's `code_verifier` and answers errors
//! with status 200 and `{"ok": false, "error": ...}`, which [`StandardOAuth2`]
//! reads as the provider refusing. Bot tokens do not expire unless token rotation
//! is on for the app; then `oauth.v2.access` also refreshes them.

use std::sync::Arc;

use block_core::oauth::{OAuthApp, OAuthHandler, StandardOAuth2};

/// Slack's consent page.
pub const AUTHORIZE_URL: &str = "https://slack.com/oauth/v2/authorize";
/// Slack's token endpoint (code exchange and refresh).
pub const TOKEN_URL: &str = "https://slack.com/api/oauth.v2.access";

/// The handler `#[provider(oauth2(handler = ...))]` names.
pub fn slack_oauth_handler(app: OAuthApp) -> Arc<dyn OAuthHandler> {
    let standard = StandardOAuth2::new(app, AUTHORIZE_URL, TOKEN_URL, None)
        .expect("Slack's OAuth endpoints are constant, valid URLs")
        .scope_separator(",");
    Arc::new(standard)
}
