//! Linear's OAuth 2: the authorization code flow with PKCE at
//! `https://linear.app/oauth/authorize`, tokens from
//! `https://api.linear.app/oauth/token`.
//!
//! Linear joins scopes with commas; its access tokens expire and come with a
//! refresh token, which the standard flow refreshes.

use std::sync::Arc;

use block_core::oauth::{OAuthApp, OAuthHandler, StandardOAuth2};

/// Linear's consent page.
pub const AUTHORIZE_URL: &str = "https://linear.app/oauth/authorize";
/// Linear's token endpoint (code exchange and refresh).
pub const TOKEN_URL: &str = "https://api.linear.app/oauth/token";

/// The handler `#[provider(oauth2(handler = ...))]` names.
pub fn linear_oauth_handler(app: OAuthApp) -> Arc<dyn OAuthHandler> {
    let standard = StandardOAuth2::new(app, AUTHORIZE_URL, TOKEN_URL, None)
        .expect("Linear's OAuth endpoints are constant, valid URLs")
        .scope_separator(",");
    Arc::new(standard)
}
