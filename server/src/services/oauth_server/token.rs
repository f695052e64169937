//! The token, revocation and introspection endpoints' work, with client
//! authentication (HTTP Basic or form fields; public clients send only their id).

use serde::{Deserialize, Serialize};

use super::{GrantError, parse_scopes, scope_string};
use crate::domain::secrets::{self, ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX};
use crate::domain::{OAuthClient, OAuthToken, Scope, TokenKind, now_unix, seconds};
use crate::services::AppState;

/// The fields any of the three endpoints may receive.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct TokenForm {
    /// `authorization_code` or `refresh_token`.
    pub grant_type: Option<String>,
    /// The authorization code.
    pub code: Option<String>,
    /// The redirect URI of the authorization request.
    pub redirect_uri: Option<String>,
    /// The PKCE verifier.
    pub code_verifier: Option<String>,
    /// The refresh token.
    pub refresh_token: Option<String>,
    /// Scopes to narrow a refresh to.
    pub scope: Option<String>,
    /// The token to revoke or introspect.
    pub token: Option<String>,
    /// RFC 8707: the resource the tokens are for; at most the grant's own.
    pub resource: Option<String>,
    /// The client, when it authenticates in the form.
    pub client_id: Option<String>,
    /// Its secret, likewise.
    pub client_secret: Option<String>,
}

/// A client's credentials from an `Authorization: Basic` header.
#[derive(Debug, Clone)]
pub struct BasicCredentials {
    /// The client id.
    pub id: String,
    /// The client secret.
    pub secret: String,
}

/// What the token endpoint answers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Issued {
    /// `bat_...`.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: u64,
    /// `brt_...`, single use.
    pub refresh_token: String,
    /// The granted scopes, space-separated.
    pub scope: String,
}

/// What introspection answers (RFC 7662).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Introspection {
    /// Whether the token is live and the asking client's.
    pub active: bool,
    /// The granted scopes, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client the token was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The user it acts for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `Bearer` for access tokens, `refresh_token` for refresh tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// Unix seconds it expires at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// This server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
}

/// Who is calling: Basic credentials first, else `client_id` (+ `client_secret`).
/// A confidential client must present its secret; a public one must not have any.
pub async fn authenticate_client(
    state: &AppState,
    basic: Option<BasicCredentials>,
    form: &TokenForm,
    confidential_only: bool,
) -> Result<OAuthClient, GrantError> {
    let (id, secret) = match basic {
        Some(BasicCredentials { id, secret }) => (id, Some(secret)),
        None => match &form.client_id {
            Some(id) => (id.clone(), form.client_secret.clone()),
            None => return Err(GrantError::invalid_client("authenticate the client (HTTP Basic or client_id)")),
        },
    };
    let unknown = || GrantError::invalid_client("unknown client or wrong secret");
    let client = state.storage().oauth_client(&id).await?.filter(|client| !client.disabled).ok_or_else(unknown)?;
    match (&client.secret_hash, secret.as_deref().filter(|secret| !secret.is_empty())) {
        (Some(expected), Some(secret)) if secrets::hash(secret) == *expected => Ok(client),
        (None, None) if !confidential_only => Ok(client),
        (None, None) => Err(GrantError::invalid_client("this endpoint needs a confidential client")),
        _ => Err(unknown()),
    }
}

/// The token endpoint: either grant, for an authenticated client.
pub async fn grant(state: &AppState, client: &OAuthClient, form: &TokenForm) -> Result<Issued, GrantError> {
    match form.grant_type.as_deref() {
        Some("authorization_code") => exchange_code(state, client, form).await,
        Some("refresh_token") => refresh(state, client, form).await,
        Some(other) => Err(GrantError::unsupported_grant_type(format!(
            "`{other}` is not supported; use authorization_code or refresh_token"
        ))),
        None => Err(GrantError::invalid_request("grant_type is required")),
    }
}

async fn exchange_code(state: &AppState, client: &OAuthClient, form: &TokenForm) -> Result<Issued, GrantError> {
    let code = form.code.as_deref().ok_or_else(|| GrantError::invalid_request("code is required"))?;
    let grant = consume(
        state,
        client,
        code,
        TokenKind::Code,
        Wording {
            invalid: "the code is not valid",
            replayed: "the code was already used; every token issued from it is revoked",
            log: "an authorization code was replayed; its tokens are revoked",
            expired: "the code has expired",
        },
    )
    .await?;
    if form.redirect_uri.as_deref() != grant.redirect_uri.as_deref() {
        return Err(GrantError::invalid_grant("redirect_uri differs from the authorization request's"));
    }
    let verifier =
        form.code_verifier.as_deref().ok_or_else(|| GrantError::invalid_request("code_verifier is required"))?;
    if !secrets::is_valid_verifier(verifier) || grant.code_challenge.as_deref() != Some(&secrets::s256(verifier)) {
        return Err(GrantError::invalid_grant("the code_verifier does not match the code_challenge"));
    }
    let resource =
        super::bind_resource(&state.settings().public_url, grant.resource.as_deref(), form.resource.as_deref())?;
    issue(state, client, &grant.user_id, grant.scopes, &grant.family, resource).await
}

async fn refresh(state: &AppState, client: &OAuthClient, form: &TokenForm) -> Result<Issued, GrantError> {
    let presented =
        form.refresh_token.as_deref().ok_or_else(|| GrantError::invalid_request("refresh_token is required"))?;
    let old = consume(
        state,
        client,
        presented,
        TokenKind::Refresh,
        Wording {
            invalid: "the refresh token is not valid",
            replayed: "the refresh token was already used; its whole family is revoked",
            log: "a refresh token was replayed; its family is revoked",
            expired: "the refresh token has expired or was revoked",
        },
    )
    .await?;
    let scopes = match form.scope.as_deref() {
        None | Some("") => old.scopes.clone(),
        Some(text) => {
            let asked =
                parse_scopes(text).map_err(|name| GrantError::invalid_scope(format!("unknown scope `{name}`")))?;
            if let Some(extra) = asked.iter().find(|scope| !old.scopes.contains(scope)) {
                return Err(GrantError::invalid_scope(format!("{extra} was not granted")));
            }
            asked
        }
    };
    let resource =
        super::bind_resource(&state.settings().public_url, old.resource.as_deref(), form.resource.as_deref())?;
    issue(state, client, &old.user_id, scopes, &old.family, resource).await
}

/// What a grant's refusals say.
struct Wording {
    invalid: &'static str,
    replayed: &'static str,
    log: &'static str,
    expired: &'static str,
}

/// Marks the presented code or refresh token used and returns it, if it is a live
/// token of `kind` issued to `client`. A second use is a replay: every token of its
/// family is revoked, for both grants alike.
async fn consume(
    state: &AppState,
    client: &OAuthClient,
    presented: &str,
    kind: TokenKind,
    wording: Wording,
) -> Result<OAuthToken, GrantError> {
    let invalid = || GrantError::invalid_grant(wording.invalid);
    let token = state.storage().consume_oauth_token(&secrets::hash(presented)).await?.ok_or_else(invalid)?;
    if token.kind != kind || token.client_id.as_deref() != Some(&client.id) {
        return Err(invalid());
    }
    if token.used_at.is_some() {
        let revoked = state.storage().revoke_oauth_family(&token.family).await?;
        tracing::warn!(client = %client.id, revoked, "{}", wording.log);
        return Err(GrantError::invalid_grant(wording.replayed));
    }
    if !token.is_live(now_unix()) {
        return Err(GrantError::invalid_grant(wording.expired));
    }
    Ok(token)
}

/// A new access + refresh pair in `family`.
async fn issue(
    state: &AppState,
    client: &OAuthClient,
    user_id: &str,
    scopes: Vec<Scope>,
    family: &str,
    resource: Option<String>,
) -> Result<Issued, GrantError> {
    let random = || GrantError::server("the system random source failed", "no random bytes");
    let access = secrets::new_secret(ACCESS_TOKEN_PREFIX).ok_or_else(random)?;
    let refresh = secrets::new_secret(REFRESH_TOKEN_PREFIX).ok_or_else(random)?;
    let lifetimes = state.settings().oauth;
    let now = now_unix();
    for (secret, kind, lifetime) in
        [(&access, TokenKind::Access, lifetimes.access), (&refresh, TokenKind::Refresh, lifetimes.refresh)]
    {
        state
            .storage()
            .put_oauth_token(OAuthToken {
                hash: secrets::hash(secret),
                kind,
                client_id: Some(client.id.clone()),
                user_id: user_id.to_owned(),
                scopes: scopes.clone(),
                family: family.to_owned(),
                redirect_uri: None,
                code_challenge: None,
                resource: resource.clone(),
                expires_at: now.saturating_add(seconds(lifetime)),
                used_at: None,
                revoked_at: None,
            })
            .await?;
    }
    Ok(Issued {
        access_token: access,
        token_type: "Bearer",
        expires_in: lifetimes.access.as_secs(),
        refresh_token: refresh,
        scope: scope_string(&scopes),
    })
}

/// RFC 7009: revoking a refresh token revokes its family, an access token only
/// itself; anything else (unknown, another client's) is quietly ignored.
pub async fn revoke(state: &AppState, client: &OAuthClient, form: &TokenForm) -> Result<(), GrantError> {
    let presented = form.token.as_deref().ok_or_else(|| GrantError::invalid_request("token is required"))?;
    let hash = secrets::hash(presented);
    if let Some(found) = state.storage().oauth_token(&hash).await?
        && found.client_id.as_deref() == Some(&client.id)
    {
        match found.kind {
            TokenKind::Refresh => {
                state.storage().revoke_oauth_family(&found.family).await?;
            }
            TokenKind::Access => state.storage().revoke_oauth_token(&hash).await?,
            TokenKind::Code | TokenKind::Login | TokenKind::Session => {}
        }
    }
    Ok(())
}

/// RFC 7662: a confidential client asks about one of its own tokens; anything
/// else is `{"active": false}`.
pub async fn introspect(state: &AppState, client: &OAuthClient, form: &TokenForm) -> Result<Introspection, GrantError> {
    let presented = form.token.as_deref().ok_or_else(|| GrantError::invalid_request("token is required"))?;
    let found = state.storage().oauth_token(&secrets::hash(presented)).await?.filter(|token| {
        matches!(token.kind, TokenKind::Access | TokenKind::Refresh)
            && token.client_id.as_deref() == Some(&client.id)
            && token.is_live(now_unix())
    });
    let Some(token) = found else {
        return Ok(Introspection {
            active: false,
            scope: None,
            client_id: None,
            sub: None,
            token_type: None,
            exp: None,
            iss: None,
        });
    };
    Ok(Introspection {
        active: true,
        scope: Some(scope_string(&token.scopes)),
        client_id: Some(client.id.clone()),
        sub: Some(token.user_id),
        token_type: Some(if token.kind == TokenKind::Access { "Bearer" } else { "refresh_token" }),
        exp: Some(token.expires_at),
        iss: Some(state.settings().public_url.clone()),
    })
}
