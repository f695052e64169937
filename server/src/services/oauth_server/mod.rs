//! The OAuth 2 authorization server, transport-free: third-party applications
//! sign users in and call the API with an access token.
//!
//! - [`authorize`]: checking an authorization request (authorization code grant,
//!   PKCE S256 required, redirect URIs matched exactly) and issuing its code.
//! - [`token`]: client authentication, the `authorization_code` and
//!   `refresh_token` grants, revocation (RFC 7009) and introspection (RFC 7662).
//! - [`registration`]: dynamic client registration (RFC 7591) of public
//!   clients, limited per client address.
//! - [`metadata`]: the RFC 8414 document.
//!
//! Grants may be bound to a resource (RFC 8707 `resource`, on the authorization
//! request or the token request): the MCP endpoint ([`mcp_resource`]) or the
//! API ([`api_resource`]); their tokens are then accepted there only.
//!
//! Codes are single-use; a replayed code revokes every token issued from it.
//! Refresh tokens rotate on every use; a replayed one revokes its whole family.
//! Every secret is stored as its SHA-256 and recognisable by its prefix. Nothing
//! here logs a secret.

pub mod authorize;
mod error;
pub mod registration;
pub mod token;

use serde::Serialize;

pub use error::{GrantError, GrantErrorKind};

use crate::domain::Scope;

/// The RFC 8414 metadata of the authorization server.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Metadata {
    /// The issuer: the server's public URL.
    pub issuer: String,
    /// Where the user consents.
    pub authorization_endpoint: String,
    /// Where codes and refresh tokens are exchanged.
    pub token_endpoint: String,
    /// RFC 7009.
    pub revocation_endpoint: String,
    /// RFC 7662.
    pub introspection_endpoint: String,
    /// RFC 7591: where clients register themselves (public clients, PKCE).
    pub registration_endpoint: String,
    /// `["code"]`.
    pub response_types_supported: Vec<&'static str>,
    /// `authorization_code`, `refresh_token`.
    pub grant_types_supported: Vec<&'static str>,
    /// `["S256"]`.
    pub code_challenge_methods_supported: Vec<&'static str>,
    /// How clients authenticate at the token endpoint.
    pub token_endpoint_auth_methods_supported: Vec<&'static str>,
    /// How clients authenticate at the revocation endpoint.
    pub revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    /// How clients authenticate at the introspection endpoint.
    pub introspection_endpoint_auth_methods_supported: Vec<&'static str>,
    /// Every scope.
    pub scopes_supported: Vec<&'static str>,
}

/// The metadata of a server reached at `issuer`.
pub fn metadata(issuer: &str) -> Metadata {
    let all = vec!["client_secret_basic", "client_secret_post", "none"];
    Metadata {
        issuer: issuer.to_owned(),
        authorization_endpoint: format!("{issuer}/oauth/authorize"),
        token_endpoint: format!("{issuer}/oauth/token"),
        revocation_endpoint: format!("{issuer}/oauth/revoke"),
        introspection_endpoint: format!("{issuer}/oauth/introspect"),
        registration_endpoint: format!("{issuer}/oauth/register"),
        response_types_supported: vec!["code"],
        grant_types_supported: vec!["authorization_code", "refresh_token"],
        code_challenge_methods_supported: vec!["S256"],
        token_endpoint_auth_methods_supported: all.clone(),
        revocation_endpoint_auth_methods_supported: all,
        introspection_endpoint_auth_methods_supported: vec!["client_secret_basic", "client_secret_post"],
        scopes_supported: Scope::ALL.iter().map(|scope| scope.as_str()).collect(),
    }
}

/// Space-separated scope names, as OAuth spells them.
pub fn scope_string(scopes: &[Scope]) -> String {
    scopes.iter().map(|scope| scope.as_str()).collect::<Vec<_>>().join(" ")
}

/// Parses a `scope` parameter (space- or comma-separated); on error, the unknown
/// name.
pub fn parse_scopes(text: &str) -> Result<Vec<Scope>, String> {
    Scope::parse_list(&text.replace(' ', ","))
}

/// The resource identifier of the MCP endpoint of a server reached at
/// `public_url`.
pub fn mcp_resource(public_url: &str) -> String {
    format!("{}/mcp", public_url.trim_end_matches('/'))
}

/// The resource identifier of the API of a server reached at `public_url`.
pub fn api_resource(public_url: &str) -> String {
    public_url.trim_end_matches('/').to_owned()
}

/// The resource `asked` names (a trailing `/` aside), if this server serves it.
pub fn resource_named(public_url: &str, asked: &str) -> Option<String> {
    let asked = asked.trim().trim_end_matches('/');
    [mcp_resource(public_url), api_resource(public_url)].into_iter().find(|resource| resource == asked)
}

/// The resource a grant's tokens are bound to: the grant's own, which a request
/// may repeat but not change; or, for a grant bound to none, what the request
/// asks for.
pub fn bind_resource(
    public_url: &str,
    granted: Option<&str>,
    asked: Option<&str>,
) -> Result<Option<String>, GrantError> {
    let asked = match asked.map(str::trim).filter(|asked| !asked.is_empty()) {
        None => None,
        Some(asked) => Some(resource_named(public_url, asked).ok_or_else(|| {
            GrantError::invalid_target(format!(
                "resource must be {} (the MCP endpoint) or {} (the API)",
                mcp_resource(public_url),
                api_resource(public_url)
            ))
        })?),
    };
    match (granted, asked) {
        (Some(granted), Some(asked)) if granted != asked => {
            Err(GrantError::invalid_target(format!("the grant is bound to {granted}, not {asked}")))
        }
        (Some(granted), _) => Ok(Some(granted.to_owned())),
        (None, asked) => Ok(asked),
    }
}
