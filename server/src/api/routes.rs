//! The route table: every route the server answers, with the scopes it requires.
//!
//! The authorisation middleware, the OpenAPI document and the scope-matrix test all
//! read this one table, so a route cannot be served without scopes, documented
//! without being served, or left out of the test.

use axum::http::Method;

use crate::auth::Scope;

/// An HTTP method of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// GET
    Get,
    /// POST
    Post,
    /// DELETE
    Delete,
}

impl Verb {
    /// The method.
    pub fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Delete => Method::DELETE,
        }
    }

    /// Lowercase, as OpenAPI spells it.
    pub const fn as_lower(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
            Verb::Delete => "delete",
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health checks, docs, webhook deliveries (which carry their own
    /// signatures).
    Public,
    /// An authenticated caller holding every one of these scopes (an API key or
    /// an OAuth access token).
    Scopes(&'static [Scope]),
    /// An endpoint of the OAuth authorization server: it authenticates the client
    /// (HTTP Basic or form fields) or the signed-in user itself, with OAuth's own
    /// error answers.
    OAuthProtocol,
}

/// One route.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    /// The method.
    pub verb: Verb,
    /// The path template, as axum matches it (`{param}`).
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// A unique name (OpenAPI `operationId`).
    pub operation: &'static str,
    /// One line saying what it does.
    pub summary: &'static str,
    /// Its group in the docs.
    pub tag: &'static str,
}

impl RouteSpec {
    /// The scopes it requires (none for a public route).
    pub fn scopes(&self) -> &'static [Scope] {
        match self.access {
            Access::Public | Access::OAuthProtocol => &[],
            Access::Scopes(scopes) => scopes,
        }
    }
}

macro_rules! route {
    ($verb:ident $path:literal, $access:expr, $operation:literal, $tag:literal, $summary:literal) => {
        RouteSpec {
            verb: Verb::$verb,
            path: $path,
            access: $access,
            operation: $operation,
            summary: $summary,
            tag: $tag,
        }
    };
}

use Scope::*;

/// Every route.
pub const ROUTES: &[RouteSpec] = &[
    route!(Get "/healthz", Access::Public, "health", "operations", "Whether the server and its storage answer"),
    route!(Get "/external-api/openapi.json", Access::Public, "openapi", "operations", "This OpenAPI document"),
    route!(Get "/external-api/v1/me", Access::Scopes(&[Identity]), "get_me", "identity",
        "The user the credentials act for"),
    route!(Get "/external-api/v1/credits", Access::Scopes(&[Identity]), "get_credits", "identity",
        "The credit balance and the latest ledger rows"),
    route!(Get "/external-api/v1/blocks", Access::Scopes(&[ReadBlock]), "list_blocks", "blocks",
        "Every enabled block with its schemas and costs"),
    route!(Get "/external-api/v1/blocks/{id}", Access::Scopes(&[ReadBlock]), "get_block", "blocks",
        "One block, by id or name"),
    route!(Post "/external-api/v1/blocks/{id}/execute", Access::Scopes(&[ExecuteBlock]), "execute_block", "blocks",
        "Run a block and return its outputs as {pin: [values]} (Server-Sent Events with Accept: text/event-stream)"),
    route!(Post "/external-api/v1/blocks/{id}/execute/stream", Access::Scopes(&[ExecuteBlock]),
        "execute_block_stream", "blocks", "Run a block, streaming one Server-Sent Event per output"),
    route!(Get "/external-api/v1/integrations/providers", Access::Scopes(&[ReadIntegrations]), "list_providers",
        "integrations", "Every provider: name, display name, icon, auth types"),
    route!(Get "/external-api/v1/integrations/credentials", Access::Scopes(&[ReadIntegrations]),
        "list_credentials", "integrations", "The caller's credentials (meta only) and the platform defaults"),
    route!(Get "/external-api/v1/integrations/{provider}/credentials", Access::Scopes(&[ReadIntegrations]),
        "list_provider_credentials", "integrations", "The caller's credentials of one provider"),
    route!(Post "/external-api/v1/integrations/{provider}/credentials", Access::Scopes(&[ManageIntegrations]),
        "create_credentials", "integrations", "Store credentials (API key, user+password or host-scoped)"),
    route!(Delete "/external-api/v1/integrations/{provider}/credentials/{cred_id}",
        Access::Scopes(&[DeleteIntegrations]), "delete_credentials", "integrations", "Delete stored credentials"),
    route!(Post "/external-api/v1/integrations/{provider}/oauth/initiate", Access::Scopes(&[ManageIntegrations]),
        "initiate_oauth", "integrations", "Start connecting an account at a provider: {login_url, state_token}"),
    route!(Post "/external-api/v1/integrations/{provider}/oauth/complete", Access::Scopes(&[ManageIntegrations]),
        "complete_oauth", "integrations",
        "Finish connecting an account: exchange the provider's code, store the OAuth credentials"),
    route!(Get "/external-api/v1/webhooks", Access::Scopes(&[ReadIntegrations]), "list_webhooks", "webhooks",
        "The caller's webhooks with their ingress URLs"),
    route!(Delete "/external-api/v1/webhooks/{webhook_id}", Access::Scopes(&[DeleteIntegrations]),
        "delete_webhook", "webhooks", "Remove a webhook and every trigger subscribed to it"),
    route!(Get "/external-api/v1/triggers", Access::Scopes(&[ReadIntegrations]), "list_triggers", "webhooks",
        "The caller's trigger subscriptions"),
    route!(Post "/external-api/v1/triggers", Access::Scopes(&[ManageIntegrations, ExecuteBlock]),
        "create_trigger", "webhooks", "Subscribe a trigger block to a webhook (created or reused)"),
    route!(Delete "/external-api/v1/triggers/{subscription_id}", Access::Scopes(&[DeleteIntegrations]),
        "delete_trigger", "webhooks", "Unsubscribe a trigger; the last one removes its webhook"),
    route!(Post "/api/integrations/{provider}/webhooks/{webhook_id}/ingress", Access::Public, "webhook_ingress",
        "webhooks", "Receive a provider's webhook delivery (verified by its signature)"),
    route!(Get "/.well-known/oauth-authorization-server", Access::Public, "oauth_metadata", "oauth",
        "The OAuth 2 authorization server's metadata (RFC 8414)"),
    route!(Get "/oauth/authorize", Access::OAuthProtocol, "oauth_authorize", "oauth",
        "Start an authorization code + PKCE (S256) flow: the consent page of a signed-in user"),
    route!(Post "/oauth/authorize", Access::OAuthProtocol, "oauth_authorize_decision", "oauth",
        "The consent page's decision; redirects to the client with a code or an error"),
    route!(Get "/oauth/login", Access::OAuthProtocol, "oauth_login", "oauth",
        "Spend a one-time sign-in link (`block-server login-link`) and set the session cookie"),
    route!(Post "/oauth/token", Access::OAuthProtocol, "oauth_token", "oauth",
        "Exchange a code or a refresh token for tokens (the client authenticates itself)"),
    route!(Post "/oauth/revoke", Access::OAuthProtocol, "oauth_revoke", "oauth",
        "Revoke an access or refresh token (RFC 7009; always 200)"),
    route!(Post "/oauth/introspect", Access::OAuthProtocol, "oauth_introspect", "oauth",
        "Whether a token is active, and its scopes (RFC 7662; confidential clients)"),
];

/// The entry of `method` on the path template `path`.
pub fn route_spec(method: &Method, path: &str) -> Option<&'static RouteSpec> {
    ROUTES.iter().find(|spec| spec.path == path && spec.verb.method() == method)
}
