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
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::pages::{escape, page, redirect, redirect_error, server_error};
use crate::services::AppState;
use crate::services::oauth_server::authorize::{self, AuthorizeRequest, Rejected, ValidRequest};
use crate::services::sessions::{self, SignInRefused};

/// The cookie holding a signed-in browser's session.
pub const SESSION_COOKIE: &str = "blocks_session";

/// The query of an authorization request (documentation; the handler reads
/// every field as optional, to answer each mistake as RFC 6749 says).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AuthorizeQuery {
    /// Only the authorization code grant: `code`.
    response_type: String,
    /// A registered, enabled client.
    client_id: String,
    /// Exactly one of the URIs the client registered.
    redirect_uri: String,
    /// BASE64URL(SHA-256(code_verifier)) (PKCE).
    #[param(pattern = "^[A-Za-z0-9_-]{43}$")]
    code_challenge: String,
    /// `S256`; `plain` is refused.
    code_challenge_method: String,
    /// Space-separated scope names; default: all the client's.
    scope: Option<String>,
    /// Returned unchanged to the client.
    state: Option<String>,
    /// RFC 8707: the resource the tokens are for, `<public URL>/mcp` (the MCP
    /// endpoint) or `<public URL>` (the API); tokens bound to one are refused by
    /// the other.
    resource: Option<String>,
}

/// The consent form (documentation).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ConsentForm {
    /// `code`.
    response_type: String,
    /// The client.
    client_id: String,
    /// The redirect URI.
    redirect_uri: String,
    /// The PKCE challenge.
    code_challenge: String,
    /// `S256`.
    code_challenge_method: String,
    /// Space-separated scope names.
    scope: Option<String>,
    /// Returned unchanged to the client.
    state: Option<String>,
    /// The resource the tokens are for.
    resource: Option<String>,
    /// The button the user pressed: `allow` or `deny`.
    decision: String,
    /// The consent page's anti-forgery value.
    csrf: String,
}

/// The query of a sign-in link.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginParams {
    /// The one-time secret of the link `block-server login-link` printed.
    token: Option<String>,
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

fn rejected(rejection: Rejected) -> Response {
    match rejection {
        Rejected::Here { title, message } => page(StatusCode::BAD_REQUEST, title, &format!("<p>{message}</p>")),
        Rejected::Redirect(error) => redirect_error(&error),
        Rejected::Failed => server_error(),
    }
}

/// The session cookie's value, if the browser sent one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
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
    let user = sessions::user_of(state, &session).await?;
    Some((user, session))
}

fn sign_in_page() -> Response {
    page(
        StatusCode::UNAUTHORIZED,
        "Sign in",
        "<p>You are not signed in. On the server's machine run <code>block-server login-link</code>, open the \
         link it prints in this browser, then reload this page.</p>",
    )
}

fn consent_page(valid: &ValidRequest, request: &AuthorizeRequest, session: &str) -> Response {
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
        ("state", request.state.as_deref().unwrap_or("")),
        ("code_challenge", valid.challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("resource", valid.resource.as_deref().unwrap_or("")),
        ("csrf", &sessions::csrf_for(session)),
    ]
    .iter()
    .filter(|(name, value)| *name != "resource" || !value.is_empty())
    .map(|(name, value)| format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">", escape(value)))
    .collect();
    let audience = valid.resource.as_deref().map_or_else(String::new, |resource| {
        format!("<p>Its tokens will work at <code>{}</code> only.</p>", escape(resource))
    });
    page(
        StatusCode::OK,
        "Authorize application",
        &format!(
            "<p><strong>{}</strong> asks to act for you with these permissions:</p><ul>{scopes}</ul>{audience}\
             <form method=\"post\" action=\"/oauth/authorize\">{hidden}\
             <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button> \
             <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
            escape(&valid.client.name)
        ),
    )
}

/// Checks the request and shows the consent page.
#[utoipa::path(get, path = "/oauth/authorize", tag = "oauth", operation_id = "oauth_authorize",
    summary = "Start an authorization code + PKCE (S256) flow: the consent page of a signed-in user",
    params(AuthorizeQuery),
    responses(
        (status = 200, description = "The consent page, for a signed-in user", content_type = "text/html", body = String),
        (status = 302, description = "Back to the client's redirect URI with `error`, `error_description` and `state` \
            (RFC 6749 4.1.2)", headers(("Location" = String, description = "The client's redirect URI"))),
        (status = 400, description = "An error page: a parameter is given twice, the client is unknown or disabled, \
            or redirect_uri is not one it registered (never redirected)", content_type = "text/html", body = String),
        (status = 401, description = "A page asking the user to sign in first", content_type = "text/html", body = String),
        (status = 500, description = "A page saying the server failed (see its log)", content_type = "text/html",
            body = String)))]
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AuthorizeRequest>, QueryRejection>,
) -> Response {
    let request = match query {
        Ok(Query(request)) => request,
        Err(rejection) => return bad_query(&rejection),
    };
    let valid = match authorize::validate(&state, &request).await {
        Ok(valid) => valid,
        Err(rejection) => return rejected(rejection),
    };
    let Some((_, session)) = signed_in(&state, &headers).await else {
        return sign_in_page();
    };
    consent_page(&valid, &request, &session)
}

/// The user's decision; on `allow`, a code goes to the redirect URI.
#[utoipa::path(post, path = "/oauth/authorize", tag = "oauth", operation_id = "oauth_authorize_decision",
    summary = "The consent page's decision; redirects to the client with a code or an error",
    request_body(content = ConsentForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 302, description = "Back to the client's redirect URI with `code` and `state`, or with `error`, \
            `error_description` and `state` (RFC 6749 4.1.2)",
            headers(("Location" = String, description = "The client's redirect URI"))),
        (status = 400, description = "An error page: the body is not a form, the client is unknown or disabled, or \
            redirect_uri is not one it registered (never redirected)", content_type = "text/html", body = String),
        (status = 401, description = "A page asking the user to sign in first", content_type = "text/html", body = String),
        (status = 403, description = "The form did not come from this server's consent page", content_type = "text/html",
            body = String),
        (status = 500, description = "A page saying the server failed (see its log)", content_type = "text/html",
            body = String)))]
pub async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<AuthorizeRequest>, FormRejection>,
) -> Response {
    let Ok(Form(request)) = body else {
        return page(StatusCode::BAD_REQUEST, "Bad request", "<p>Send the consent form.</p>");
    };
    let valid = match authorize::validate(&state, &request).await {
        Ok(valid) => valid,
        Err(rejection) => return rejected(rejection),
    };
    let Some((user_id, session)) = signed_in(&state, &headers).await else {
        return sign_in_page();
    };
    if request.csrf.as_deref() != Some(&sessions::csrf_for(&session)) {
        return page(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "<p>The form did not come from this server's consent page.</p>",
        );
    }
    let state_param = request.state.as_deref().unwrap_or("");
    let redirect_uri = valid.redirect_uri.clone();
    if request.decision.as_deref() != Some("allow") {
        let pairs = [("error", "access_denied"), ("error_description", "the user denied the request")];
        return redirect(&redirect_uri, &[pairs[0], pairs[1], ("state", state_param)]);
    }
    match authorize::issue_code(&state, valid, user_id).await {
        Some(code) => redirect(&redirect_uri, &[("code", &code), ("state", state_param)]),
        None => redirect(
            &redirect_uri,
            &[("error", "server_error"), ("error_description", "the code could not be issued"), ("state", state_param)],
        ),
    }
}

/// Spends a one-time link and sets the session cookie (HttpOnly, SameSite=Lax).
#[utoipa::path(get, path = "/oauth/login", tag = "oauth", operation_id = "oauth_login",
    summary = "Spend a one-time sign-in link (`block-server login-link`) and set the session cookie",
    params(LoginParams),
    responses(
        (status = 200, description = "Signed in: the session cookie is set", content_type = "text/html", body = String,
            headers(("Set-Cookie" = String, description = "The session cookie (HttpOnly, SameSite=Lax)"))),
        (status = 400, description = "The query string cannot be read (a parameter given twice)",
            content_type = "text/html", body = String),
        (status = 401, description = "The link is unknown, used or expired", content_type = "text/html", body = String),
        (status = 500, description = "A page saying the server failed (see its log)", content_type = "text/html",
            body = String)))]
pub async fn login(State(state): State<AppState>, query: Result<Query<LoginParams>, QueryRejection>) -> Response {
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
    let session = match sessions::sign_in(&state, &token).await {
        Ok(session) => session,
        Err(SignInRefused::NotValid) => return refused(),
        Err(SignInRefused::Failed) => return server_error(),
    };
    let mut response =
        page(StatusCode::OK, "Signed in", "<p>You are signed in. Go back to the application and retry.</p>");
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age={}",
        session.secret,
        session.lifetime.as_secs()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
