//! Checking an authorization request and issuing its code.
//!
//! An unknown client or an unregistered redirect URI is refused without a
//! redirect (that would make the server an open redirector); every other problem
//! goes back to the client's redirect URI (RFC 6749 4.1.2.1).

use serde::Deserialize;

use super::parse_scopes;
use crate::domain::secrets::{self, CODE_PREFIX};
use crate::domain::{OAuthClient, OAuthToken, Scope, TokenKind, new_id, now_unix, seconds};
use crate::services::AppState;

/// The parameters of an authorization request (and of the consent form).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuthorizeRequest {
    /// Must be `code`.
    pub response_type: Option<String>,
    /// The client.
    pub client_id: Option<String>,
    /// One of the client's registered redirect URIs, exactly.
    pub redirect_uri: Option<String>,
    /// Space-separated scopes; the client's own when absent.
    pub scope: Option<String>,
    /// Opaque, sent back to the client.
    pub state: Option<String>,
    /// The PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// Must be `S256`.
    pub code_challenge_method: Option<String>,
    /// RFC 8707: the resource the tokens are for (the MCP endpoint or the API).
    pub resource: Option<String>,
    /// The consent form's `allow` or `deny`.
    pub decision: Option<String>,
    /// The consent form's anti-forgery value.
    pub csrf: Option<String>,
}

/// A request that passed every check.
#[derive(Debug, Clone)]
pub struct ValidRequest {
    /// The client asking.
    pub client: OAuthClient,
    /// Where to send the answer.
    pub redirect_uri: String,
    /// What is asked for.
    pub scopes: Vec<Scope>,
    /// The PKCE S256 challenge.
    pub challenge: String,
    /// The resource the tokens will be bound to.
    pub resource: Option<String>,
}

/// Why a request is refused.
#[derive(Debug, Clone)]
pub enum Rejected {
    /// Answered to the browser, never redirected: the client or its redirect URI
    /// cannot be trusted.
    Here {
        /// A short title.
        title: &'static str,
        /// What is wrong.
        message: &'static str,
    },
    /// Sent back to the client's redirect URI.
    Redirect(RedirectError),
    /// The storage failed; see the server log.
    Failed,
}

/// An RFC 6749 4.1.2.1 error to send to the client's redirect URI.
#[derive(Debug, Clone)]
pub struct RedirectError {
    /// The client's redirect URI.
    pub uri: String,
    /// The `error` code.
    pub error: &'static str,
    /// What was wrong.
    pub description: String,
    /// The client's `state`.
    pub state: Option<String>,
}

/// Checks `request` against the registered client.
pub async fn validate(state: &AppState, request: &AuthorizeRequest) -> Result<ValidRequest, Rejected> {
    let client = match &request.client_id {
        Some(id) => state.storage().oauth_client(id).await.map_err(|error| {
            tracing::error!(%error, "the storage failed");
            Rejected::Failed
        })?,
        None => None,
    };
    let Some(client) = client.filter(|client| !client.disabled) else {
        return Err(Rejected::Here { title: "Unknown client", message: "No enabled application has this client_id." });
    };
    let Some(redirect_uri) = request.redirect_uri.clone().filter(|uri| client.redirect_uris.contains(uri)) else {
        return Err(Rejected::Here {
            title: "Invalid redirect URI",
            message: "redirect_uri must be exactly one of the URIs registered for this application.",
        });
    };
    let fail = |error: &'static str, description: &str| {
        Rejected::Redirect(RedirectError {
            uri: redirect_uri.clone(),
            error,
            description: description.to_owned(),
            state: request.state.clone(),
        })
    };
    if request.response_type.as_deref() != Some("code") {
        return Err(fail("unsupported_response_type", "only response_type=code is supported"));
    }
    if request.code_challenge_method.as_deref() != Some("S256") {
        return Err(fail("invalid_request", "PKCE is required with code_challenge_method=S256 (plain is refused)"));
    }
    let challenge = request.code_challenge.clone().unwrap_or_default();
    if challenge.len() != 43 || !challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(fail("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier"));
    }
    let scopes = match request.scope.as_deref().map(str::trim) {
        None | Some("") => client.scopes.clone(),
        Some(text) => match parse_scopes(text) {
            Ok(scopes) if scopes.iter().all(|scope| client.scopes.contains(scope)) => scopes,
            Ok(_) => return Err(fail("invalid_scope", "a requested scope is not allowed for this application")),
            Err(name) => return Err(fail("invalid_scope", &format!("unknown scope `{name}`"))),
        },
    };
    let public_url = &state.settings().public_url;
    let resource = super::bind_resource(public_url, None, request.resource.as_deref())
        .map_err(|error| fail(error.kind.code(), &error.description))?;
    Ok(ValidRequest { client, redirect_uri, scopes, challenge, resource })
}

/// Issues the code of an allowed request for `user_id`; `None` if it could not
/// be stored (logged).
pub async fn issue_code(state: &AppState, valid: ValidRequest, user_id: String) -> Option<String> {
    let code = secrets::new_secret(CODE_PREFIX)?;
    let stored = state
        .storage()
        .put_oauth_token(OAuthToken {
            hash: secrets::hash(&code),
            kind: TokenKind::Code,
            client_id: Some(valid.client.id),
            user_id,
            scopes: valid.scopes,
            family: new_id(),
            redirect_uri: Some(valid.redirect_uri),
            code_challenge: Some(valid.challenge),
            resource: valid.resource,
            expires_at: now_unix().saturating_add(seconds(state.settings().oauth.code)),
            used_at: None,
            revoked_at: None,
        })
        .await;
    match stored {
        Ok(()) => Some(code),
        Err(error) => {
            tracing::error!(%error, "the storage failed");
            None
        }
    }
}
