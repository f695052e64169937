//! `POST /oauth/token`, `/oauth/revoke` and `/oauth/introspect`, with client
//! authentication (HTTP Basic or form fields; public clients send only their id).

use axum::Form;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::json;

use super::secrets::{self, ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX};
use super::{OAuthError, parse_scopes, scope_string, seconds};
use crate::state::AppState;
use crate::storage::model::now_unix;
use crate::storage::{OAuthClient, OAuthToken, TokenKind};

/// The fields any of the three endpoints may receive.
#[derive(Debug, Default, Deserialize)]
pub(super) struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn form(form: Result<Form<TokenForm>, FormRejection>) -> Result<TokenForm, OAuthError> {
    form.map(|Form(form)| form).map_err(|rejection| {
        OAuthError::invalid_request(format!("send an application/x-www-form-urlencoded body: {rejection}"))
    })
}

/// Who is calling: Basic credentials first, else `client_id` (+ `client_secret`).
/// A confidential client must present its secret; a public one must not have any.
async fn authenticate_client(
    state: &AppState,
    headers: &HeaderMap,
    form: &TokenForm,
    confidential_only: bool,
) -> Result<OAuthClient, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, encoded)| {
            STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .and_then(|text| text.split_once(':').map(|(id, secret)| (id.to_owned(), Some(secret.to_owned()))))
                .ok_or_else(|| OAuthError::invalid_client("the Basic credentials are malformed"))
        })
        .transpose()?;
    let (id, secret) = match basic {
        Some(pair) => pair,
        None => match &form.client_id {
            Some(id) => (id.clone(), form.client_secret.clone()),
            None => return Err(OAuthError::invalid_client("authenticate the client (HTTP Basic or client_id)")),
        },
    };
    let unknown = || OAuthError::invalid_client("unknown client or wrong secret");
    let client = state.storage.oauth_client(&id).await?.filter(|client| !client.disabled).ok_or_else(unknown)?;
    match (&client.secret_hash, secret.as_deref().filter(|secret| !secret.is_empty())) {
        (Some(expected), Some(secret)) if secrets::hash(secret) == *expected => Ok(client),
        (None, None) if !confidential_only => Ok(client),
        (None, None) => Err(OAuthError::invalid_client("this endpoint needs a confidential client")),
        _ => Err(unknown()),
    }
}

fn no_store(body: serde_json::Value) -> Response {
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /oauth/token`.
pub(super) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, OAuthError> {
    let form = form(body)?;
    let client = authenticate_client(&state, &headers, &form, false).await?;
    let issued = match form.grant_type.as_deref() {
        Some("authorization_code") => exchange_code(&state, &client, &form).await?,
        Some("refresh_token") => refresh(&state, &client, &form).await?,
        Some(other) => {
            return Err(OAuthError::unsupported_grant_type(format!(
                "`{other}` is not supported; use authorization_code or refresh_token"
            )));
        }
        None => return Err(OAuthError::invalid_request("grant_type is required")),
    };
    Ok(no_store(issued))
}

async fn exchange_code(
    state: &AppState,
    client: &OAuthClient,
    form: &TokenForm,
) -> Result<serde_json::Value, OAuthError> {
    let code = form.code.as_deref().ok_or_else(|| OAuthError::invalid_request("code is required"))?;
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
        return Err(OAuthError::invalid_grant("redirect_uri differs from the authorization request's"));
    }
    let verifier =
        form.code_verifier.as_deref().ok_or_else(|| OAuthError::invalid_request("code_verifier is required"))?;
    if !secrets::is_valid_verifier(verifier) || grant.code_challenge.as_deref() != Some(&secrets::s256(verifier)) {
        return Err(OAuthError::invalid_grant("the code_verifier does not match the code_challenge"));
    }
    issue(state, client, &grant.user_id, grant.scopes, &grant.family).await
}

async fn refresh(state: &AppState, client: &OAuthClient, form: &TokenForm) -> Result<serde_json::Value, OAuthError> {
    let presented =
        form.refresh_token.as_deref().ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
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
                parse_scopes(text).map_err(|name| OAuthError::invalid_scope(format!("unknown scope `{name}`")))?;
            if let Some(extra) = asked.iter().find(|scope| !old.scopes.contains(scope)) {
                return Err(OAuthError::invalid_scope(format!("{extra} was not granted")));
            }
            asked
        }
    };
    issue(state, client, &old.user_id, scopes, &old.family).await
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
) -> Result<OAuthToken, OAuthError> {
    let invalid = || OAuthError::invalid_grant(wording.invalid);
    let token = state.storage.consume_oauth_token(&secrets::hash(presented)).await?.ok_or_else(invalid)?;
    if token.kind != kind || token.client_id.as_deref() != Some(&client.id) {
        return Err(invalid());
    }
    if token.used_at.is_some() {
        let revoked = state.storage.revoke_oauth_family(&token.family).await?;
        tracing::warn!(client = %client.id, revoked, "{}", wording.log);
        return Err(OAuthError::invalid_grant(wording.replayed));
    }
    if !token.is_live(now_unix()) {
        return Err(OAuthError::invalid_grant(wording.expired));
    }
    Ok(token)
}

/// A new access + refresh pair in `family`.
async fn issue(
    state: &AppState,
    client: &OAuthClient,
    user_id: &str,
    scopes: Vec<crate::auth::Scope>,
    family: &str,
) -> Result<serde_json::Value, OAuthError> {
    let random = || OAuthError::server("the system random source failed", "no random bytes");
    let access = secrets::new_secret(ACCESS_TOKEN_PREFIX).ok_or_else(random)?;
    let refresh = secrets::new_secret(REFRESH_TOKEN_PREFIX).ok_or_else(random)?;
    let lifetimes = state.settings.oauth;
    let now = now_unix();
    for (secret, kind, lifetime) in
        [(&access, TokenKind::Access, lifetimes.access), (&refresh, TokenKind::Refresh, lifetimes.refresh)]
    {
        state
            .storage
            .put_oauth_token(OAuthToken {
                hash: secrets::hash(secret),
                kind,
                client_id: Some(client.id.clone()),
                user_id: user_id.to_owned(),
                scopes: scopes.clone(),
                family: family.to_owned(),
                redirect_uri: None,
                code_challenge: None,
                expires_at: now.saturating_add(seconds(lifetime)),
                used_at: None,
                revoked_at: None,
            })
            .await?;
    }
    Ok(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": lifetimes.access.as_secs(),
        "refresh_token": refresh,
        "scope": scope_string(&scopes),
    }))
}

/// `POST /oauth/revoke` (RFC 7009): 200 whatever the token was; revoking a
/// refresh token revokes its family, an access token only itself.
pub(super) async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, OAuthError> {
    let form = form(body)?;
    let client = authenticate_client(&state, &headers, &form, false).await?;
    let presented = form.token.as_deref().ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    let hash = secrets::hash(presented);
    if let Some(found) = state.storage.oauth_token(&hash).await?
        && found.client_id.as_deref() == Some(&client.id)
    {
        match found.kind {
            TokenKind::Refresh => {
                state.storage.revoke_oauth_family(&found.family).await?;
            }
            TokenKind::Access => state.storage.revoke_oauth_token(&hash).await?,
            TokenKind::Code | TokenKind::Login | TokenKind::Session => {}
        }
    }
    Ok(StatusCode::OK.into_response())
}

/// `POST /oauth/introspect` (RFC 7662): a confidential client asks about one of
/// its own tokens; anything else is `{"active": false}`.
pub(super) async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, OAuthError> {
    let form = form(body)?;
    let client = authenticate_client(&state, &headers, &form, true).await?;
    let presented = form.token.as_deref().ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    let found = state.storage.oauth_token(&secrets::hash(presented)).await?.filter(|token| {
        matches!(token.kind, TokenKind::Access | TokenKind::Refresh)
            && token.client_id.as_deref() == Some(&client.id)
            && token.is_live(now_unix())
    });
    let Some(token) = found else {
        return Ok(no_store(json!({"active": false})));
    };
    Ok(no_store(json!({
        "active": true,
        "scope": scope_string(&token.scopes),
        "client_id": client.id,
        "sub": token.user_id,
        "token_type": if token.kind == TokenKind::Access { "access_token" } else { "refresh_token" },
        "exp": token.expires_at,
        "iss": state.settings.public_url,
    })))
}
