//! `GET/POST /oauth/authorize` (the consent page and the user's decision) and
//! `GET /oauth/login` (the one-time sign-in link).
//!
//! An unknown client, an unregistered redirect URI or a parameter given twice is
//! answered here with an error page, never a redirect (that would make the server
//! an open redirector); every other error goes back to the client's redirect URI
//! (RFC 6749 4.1.2.1).

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::secrets::{self, CODE_PREFIX, SESSION_PREFIX};
use super::{parse_scopes, seconds};
use crate::auth::Scope;
use crate::ids::uuid_v4;
use crate::state::AppState;
use crate::storage::model::now_unix;
use crate::storage::{OAuthClient, OAuthToken, TokenKind};

/// The cookie holding a signed-in browser's session.
pub const SESSION_COOKIE: &str = "blocks_session";

/// The parameters of an authorization request (and of the consent form).
#[derive(Debug, Default, Deserialize)]
pub(super) struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    decision: Option<String>,
    csrf: Option<String>,
}

/// A request that passed every check.
struct Valid {
    client: OAuthClient,
    redirect_uri: String,
    scopes: Vec<Scope>,
    challenge: String,
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The consent page must not be framed: a hidden frame could trick a click on
    // "Allow".
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    response
}

/// The page answering a query string that cannot be read (a parameter given twice
/// is RFC 6749's `invalid_request`; which of its values to trust is unknown, so
/// nothing is redirected).
fn bad_query(rejection: &QueryRejection) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "Bad request",
        &format!("<p>The query string cannot be read: {}.</p>", escape(&rejection.body_text())),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A 302 to `uri` with `pairs` added to its query.
fn redirect(uri: &str, pairs: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(uri) else {
        return page(StatusCode::BAD_REQUEST, "Invalid redirect URI", "<p>The redirect URI cannot be parsed.</p>");
    };
    url.query_pairs_mut().extend_pairs(pairs.iter().filter(|(_, value)| !value.is_empty()));
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(url.as_str()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

fn redirect_error(uri: &str, error: &str, description: &str, state: Option<&str>) -> Response {
    redirect(uri, &[("error", error), ("error_description", description), ("state", state.unwrap_or(""))])
}

async fn validate(state: &AppState, params: &AuthorizeParams) -> Result<Valid, Response> {
    let client = match &params.client_id {
        Some(id) => state.storage.oauth_client(id).await.map_err(|error| {
            tracing::error!(%error, "the storage failed");
            page(StatusCode::INTERNAL_SERVER_ERROR, "Server error", "<p>See the server log.</p>")
        })?,
        None => None,
    };
    let Some(client) = client.filter(|client| !client.disabled) else {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Unknown client",
            "<p>No enabled application has this client_id.</p>",
        ));
    };
    let Some(redirect_uri) = params.redirect_uri.clone().filter(|uri| client.redirect_uris.contains(uri)) else {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Invalid redirect URI",
            "<p>redirect_uri must be exactly one of the URIs registered for this application.</p>",
        ));
    };
    let fail =
        |error: &str, description: &str| redirect_error(&redirect_uri, error, description, params.state.as_deref());
    if params.response_type.as_deref() != Some("code") {
        return Err(fail("unsupported_response_type", "only response_type=code is supported"));
    }
    if params.code_challenge_method.as_deref() != Some("S256") {
        return Err(fail("invalid_request", "PKCE is required with code_challenge_method=S256 (plain is refused)"));
    }
    let challenge = params.code_challenge.clone().unwrap_or_default();
    if challenge.len() != 43 || !challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(fail("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier"));
    }
    let scopes = match params.scope.as_deref().map(str::trim) {
        None | Some("") => client.scopes.clone(),
        Some(text) => match parse_scopes(text) {
            Ok(scopes) if scopes.iter().all(|scope| client.scopes.contains(scope)) => scopes,
            Ok(_) => return Err(fail("invalid_scope", "a requested scope is not allowed for this application")),
            Err(name) => return Err(fail("invalid_scope", &format!("unknown scope `{name}`"))),
        },
    };
    Ok(Valid { client, redirect_uri, scopes, challenge })
}

/// The session cookie's value, if the browser sent one.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The signed-in user and the session secret.
async fn signed_in(state: &AppState, headers: &HeaderMap) -> Option<(String, String)> {
    let session = session_cookie(headers)?;
    let token = state.storage.oauth_token(&secrets::hash(&session)).await.ok()??;
    (token.kind == TokenKind::Session && token.is_live(now_unix())).then_some((token.user_id, session))
}

fn sign_in_page() -> Response {
    page(
        StatusCode::UNAUTHORIZED,
        "Sign in",
        "<p>You are not signed in. On the server's machine run <code>block-server login-link</code>, open the \
         link it prints in this browser, then reload this page.</p>",
    )
}

/// `GET /oauth/authorize`: checks the request and shows the consent page.
pub(super) async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AuthorizeParams>, QueryRejection>,
) -> Response {
    let params = match query {
        Ok(Query(params)) => params,
        Err(rejection) => return bad_query(&rejection),
    };
    let valid = match validate(&state, &params).await {
        Ok(valid) => valid,
        Err(response) => return response,
    };
    let Some((_, session)) = signed_in(&state, &headers).await else {
        return sign_in_page();
    };
    let scopes: String = valid
        .scopes
        .iter()
        .map(|scope| format!("<li><code>{}</code>: {}</li>", scope.as_str(), escape(scope.description())))
        .collect();
    let scope_names: Vec<&str> = valid.scopes.iter().map(|scope| scope.as_str()).collect();
    let hidden: String = [
        ("response_type", "code"),
        ("client_id", valid.client.id.as_str()),
        ("redirect_uri", valid.redirect_uri.as_str()),
        ("scope", &scope_names.join(" ")),
        ("state", params.state.as_deref().unwrap_or("")),
        ("code_challenge", valid.challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("csrf", &secrets::csrf_for(&session)),
    ]
    .iter()
    .map(|(name, value)| format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">", escape(value)))
    .collect();
    page(
        StatusCode::OK,
        "Authorize application",
        &format!(
            "<p><strong>{}</strong> asks to act for you with these permissions:</p><ul>{scopes}</ul>\
             <form method=\"post\" action=\"/oauth/authorize\">{hidden}\
             <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button> \
             <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
            escape(&valid.client.name)
        ),
    )
}

/// `POST /oauth/authorize`: the user's decision; on `allow`, a code goes to the
/// redirect URI.
pub(super) async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<AuthorizeParams>, FormRejection>,
) -> Response {
    let Ok(Form(params)) = body else {
        return page(StatusCode::BAD_REQUEST, "Bad request", "<p>Send the consent form.</p>");
    };
    let valid = match validate(&state, &params).await {
        Ok(valid) => valid,
        Err(response) => return response,
    };
    let Some((user_id, session)) = signed_in(&state, &headers).await else {
        return sign_in_page();
    };
    if params.csrf.as_deref() != Some(&secrets::csrf_for(&session)) {
        return page(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "<p>The form did not come from this server's consent page.</p>",
        );
    }
    let state_param = params.state.as_deref();
    if params.decision.as_deref() != Some("allow") {
        return redirect_error(&valid.redirect_uri, "access_denied", "the user denied the request", state_param);
    }
    let (Some(code), Some(family)) = (secrets::new_secret(CODE_PREFIX), uuid_v4()) else {
        return redirect_error(&valid.redirect_uri, "server_error", "the random source failed", state_param);
    };
    let stored = state
        .storage
        .put_oauth_token(OAuthToken {
            hash: secrets::hash(&code),
            kind: TokenKind::Code,
            client_id: Some(valid.client.id.clone()),
            user_id,
            scopes: valid.scopes,
            family,
            redirect_uri: Some(valid.redirect_uri.clone()),
            code_challenge: Some(valid.challenge),
            expires_at: now_unix().saturating_add(seconds(state.settings.oauth.code)),
            used_at: None,
            revoked_at: None,
        })
        .await;
    if let Err(error) = stored {
        tracing::error!(%error, "the storage failed");
        return redirect_error(&valid.redirect_uri, "server_error", "the storage failed", state_param);
    }
    redirect(&valid.redirect_uri, &[("code", &code), ("state", state_param.unwrap_or(""))])
}

/// The query of a sign-in link.
#[derive(Debug, Deserialize)]
pub(super) struct LoginParams {
    token: Option<String>,
}

/// `GET /oauth/login?token=...`: spends a one-time link and sets the session
/// cookie (HttpOnly, SameSite=Lax, limited to `/oauth`).
pub(super) async fn login(
    State(state): State<AppState>,
    query: Result<Query<LoginParams>, QueryRejection>,
) -> Response {
    let params = match query {
        Ok(Query(params)) => params,
        Err(rejection) => return bad_query(&rejection),
    };
    let refused = || {
        page(
            StatusCode::UNAUTHORIZED,
            "Sign-in link not valid",
            "<p>The link is unknown, used or expired; run <code>block-server login-link</code> again.</p>",
        )
    };
    let Some(token) = params.token else { return refused() };
    let link = match state.storage.consume_oauth_token(&secrets::hash(&token)).await {
        Ok(Some(link)) if link.kind == TokenKind::Login && link.used_at.is_none() && link.is_live(now_unix()) => link,
        Ok(_) => return refused(),
        Err(error) => {
            tracing::error!(%error, "the storage failed");
            return page(StatusCode::INTERNAL_SERVER_ERROR, "Server error", "<p>See the server log.</p>");
        }
    };
    let (Some(session), Some(family)) = (secrets::new_secret(SESSION_PREFIX), uuid_v4()) else {
        return page(StatusCode::INTERNAL_SERVER_ERROR, "Server error", "<p>The random source failed.</p>");
    };
    let lifetime = state.settings.oauth.session;
    let stored = state
        .storage
        .put_oauth_token(OAuthToken {
            hash: secrets::hash(&session),
            kind: TokenKind::Session,
            client_id: None,
            user_id: link.user_id,
            scopes: Vec::new(),
            family,
            redirect_uri: None,
            code_challenge: None,
            expires_at: now_unix().saturating_add(seconds(lifetime)),
            used_at: None,
            revoked_at: None,
        })
        .await;
    if let Err(error) = stored {
        tracing::error!(%error, "the storage failed");
        return page(StatusCode::INTERNAL_SERVER_ERROR, "Server error", "<p>See the server log.</p>");
    }
    let mut response =
        page(StatusCode::OK, "Signed in", "<p>You are signed in. Go back to the application and retry.</p>");
    let cookie =
        format!("{SESSION_COOKIE}={session}; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age={}", lifetime.as_secs());
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
