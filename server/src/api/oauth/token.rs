//! `POST /oauth/token`, `/oauth/revoke` and `/oauth/introspect`, with client
//! authentication (HTTP Basic or form fields), and the RFC 8414 metadata.

use axum::Form;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::services::AppState;
use crate::services::oauth_server::token::{self, BasicCredentials, Introspection, Issued, TokenForm};
use crate::services::oauth_server::{GrantError, GrantErrorKind, Metadata, metadata as metadata_of};

/// An RFC 6749 (section 5.2) error.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OAuthError)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `invalid_scope`,
    /// `unsupported_grant_type` or `server_error`.
    pub error: String,
    /// What was wrong.
    pub error_description: String,
}

/// A request of the token endpoint (documentation: the handler reads the form
/// loosely, to answer each mistake as RFC 6749 says).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
#[allow(dead_code)]
pub enum TokenRequest {
    /// Exchange an authorization code.
    AuthorizationCode {
        /// The code.
        code: String,
        /// As in the authorization request.
        redirect_uri: String,
        /// The PKCE verifier whose S256 is the request's code_challenge.
        #[schema(pattern = "^[A-Za-z0-9._~-]{43,128}$")]
        code_verifier: String,
        /// Unless HTTP Basic authenticates the client.
        client_id: Option<String>,
        /// A confidential client's secret.
        #[schema(write_only)]
        client_secret: Option<String>,
    },
    /// Exchange a refresh token (single use: every refresh rotates it).
    RefreshToken {
        /// The refresh token.
        refresh_token: String,
        /// Space-separated; at most the scopes granted.
        scope: Option<String>,
        /// Unless HTTP Basic authenticates the client.
        client_id: Option<String>,
        /// A confidential client's secret.
        #[schema(write_only)]
        client_secret: Option<String>,
    },
}

/// A request of the revocation or introspection endpoint (documentation).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TokenOperand {
    /// An access or refresh token.
    token: String,
    /// `access_token` or `refresh_token`.
    token_type_hint: Option<String>,
    /// Unless HTTP Basic authenticates the client.
    client_id: Option<String>,
    /// A confidential client's secret.
    #[schema(write_only)]
    client_secret: Option<String>,
}

/// A refusal of the OAuth endpoints, answered as RFC 6749 says (never cached).
pub struct GrantRefusal(pub GrantError);

impl From<GrantError> for GrantRefusal {
    fn from(error: GrantError) -> Self {
        GrantRefusal(error)
    }
}

impl From<crate::storage::StorageError> for GrantRefusal {
    fn from(error: crate::storage::StorageError) -> Self {
        GrantRefusal(GrantError::from(error))
    }
}

impl IntoResponse for GrantRefusal {
    fn into_response(self) -> Response {
        let status = match self.0.kind {
            GrantErrorKind::InvalidClient => StatusCode::UNAUTHORIZED,
            GrantErrorKind::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = OAuthErrorBody { error: self.0.kind.code().to_owned(), error_description: self.0.description };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"oauth\""));
        }
        response
    }
}

fn form(form: Result<Form<TokenForm>, FormRejection>) -> Result<TokenForm, GrantError> {
    form.map(|Form(form)| form).map_err(|rejection| {
        GrantError::invalid_request(format!("send an application/x-www-form-urlencoded body: {rejection}"))
    })
}

/// The client's `Authorization: Basic` credentials, if it sent them.
fn basic(headers: &HeaderMap) -> Result<Option<BasicCredentials>, GrantError> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, encoded)| {
            STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .and_then(|text| {
                    text.split_once(':')
                        .map(|(id, secret)| BasicCredentials { id: id.to_owned(), secret: secret.to_owned() })
                })
                .ok_or_else(|| GrantError::invalid_client("the Basic credentials are malformed"))
        })
        .transpose()
}

fn no_store<T: Serialize>(body: T) -> Response {
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Exchanges a code or a refresh token for tokens.
#[utoipa::path(post, path = "/oauth/token", tag = "oauth", operation_id = "oauth_token",
    summary = "Exchange a code or a refresh token for tokens (the client authenticates itself)",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "New tokens", body = Issued),
        (status = 400, description = "The request is malformed or refused", body = OAuthErrorBody),
        (status = 401, description = "The client did not authenticate", body = OAuthErrorBody,
            headers(("WWW-Authenticate" = String))),
        (status = 500, description = "`server_error`: the server failed (see its log)", body = OAuthErrorBody)))]
pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, GrantRefusal> {
    let form = form(body)?;
    let client = token::authenticate_client(&state, basic(&headers)?, &form, false).await?;
    Ok(no_store(token::grant(&state, &client, &form).await?))
}

/// Revokes a token (RFC 7009): 200 whatever the token was.
#[utoipa::path(post, path = "/oauth/revoke", tag = "oauth", operation_id = "oauth_revoke",
    summary = "Revoke an access or refresh token (RFC 7009; always 200)",
    request_body(content = TokenOperand, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke (RFC 7009): no body"),
        (status = 400, description = "The request is malformed or refused", body = OAuthErrorBody),
        (status = 401, description = "The client did not authenticate", body = OAuthErrorBody,
            headers(("WWW-Authenticate" = String))),
        (status = 500, description = "`server_error`: the server failed (see its log)", body = OAuthErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, GrantRefusal> {
    let form = form(body)?;
    let client = token::authenticate_client(&state, basic(&headers)?, &form, false).await?;
    token::revoke(&state, &client, &form).await?;
    Ok(StatusCode::OK.into_response())
}

/// Whether a token is active (RFC 7662; confidential clients).
#[utoipa::path(post, path = "/oauth/introspect", tag = "oauth", operation_id = "oauth_introspect",
    summary = "Whether a token is active, and its scopes (RFC 7662; confidential clients)",
    request_body(content = TokenOperand, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The token's state", body = Introspection),
        (status = 400, description = "The request is malformed or refused", body = OAuthErrorBody),
        (status = 401, description = "The client did not authenticate", body = OAuthErrorBody,
            headers(("WWW-Authenticate" = String))),
        (status = 500, description = "`server_error`: the server failed (see its log)", body = OAuthErrorBody)))]
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, GrantRefusal> {
    let form = form(body)?;
    let client = token::authenticate_client(&state, basic(&headers)?, &form, true).await?;
    Ok(no_store(token::introspect(&state, &client, &form).await?))
}

/// The authorization server's metadata (RFC 8414).
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "oauth", operation_id = "oauth_metadata",
    summary = "The OAuth 2 authorization server's metadata (RFC 8414)",
    responses((status = 200, description = "The metadata", body = Metadata)))]
pub async fn metadata(State(state): State<AppState>) -> Json<Metadata> {
    Json(metadata_of(&state.settings().public_url))
}
