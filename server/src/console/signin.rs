//! Signing in and out: `GET /login?token=...` spends a one-time link (`block-server
//! login-link`, or the one the first start prints); the sign-in page also takes
//! an API key; `POST /logout` ends the session.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::html::{Shell, escape, notice, page};
use super::session::{Viewer, clear_cookie, open_cookie, session_cookie};
use crate::services::sessions::{self, Session, SignInRefused};
use crate::services::{AppState, Refusal};

/// The query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    token: Option<String>,
    next: Option<String>,
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    api_key: Option<String>,
    next: Option<String>,
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf: Option<String>,
}

/// Where to go after signing in: a path of this server, never another site.
fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path,
        _ => "/",
    }
}

fn form_page(status: StatusCode, next: &str, problem: Option<&str>) -> Response {
    let problem = problem.map(|text| notice("error", text)).unwrap_or_default();
    let body = format!(
        "{problem}<section class=\"card narrow\"><h2>With a sign-in link</h2>\
         <p>On the server's machine run <code>block-server login-link</code> and open the link it prints in \
         this browser. The first start of the server prints one too. A link works once, for 10 minutes.</p></section>\
         <section class=\"card narrow\"><h2>With an API key</h2>\
         <form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <label for=\"api_key\">API key</label>\
         <input id=\"api_key\" name=\"api_key\" type=\"password\" autocomplete=\"off\" required \
         placeholder=\"blk_...\" aria-describedby=\"api_key-help\">\
         <p id=\"api_key-help\" class=\"help\">The key is used only to open this session; it is not kept in the \
         browser.</p><button type=\"submit\">Sign in</button></form></section>",
        next = escape(next)
    );
    page(status, &Shell { user: None, csrf: "", current: "" }, "Sign in", &body)
}

fn signed_in(state: &AppState, session: &Session, next: &str) -> Response {
    let mut response = Redirect::to(next).into_response();
    if let Some(cookie) = open_cookie(state, &session.secret, session.lifetime.as_secs()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// The sign-in page, or, with `token`, the sign-in link spent.
pub async fn show(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<LoginQuery>) -> Response {
    let next = local_path(query.next.as_deref()).to_owned();
    let Some(token) = query.token else {
        if let Some(session) = session_cookie(&headers)
            && sessions::user_of(&state, &session).await.is_some()
        {
            return Redirect::to(&next).into_response();
        }
        return form_page(StatusCode::OK, &next, None);
    };
    match sessions::sign_in(&state, &token).await {
        Ok(session) => signed_in(&state, &session, &next),
        Err(SignInRefused::NotValid) => form_page(
            StatusCode::UNAUTHORIZED,
            &next,
            Some("This sign-in link is unknown, used or expired. Run block-server login-link for a new one."),
        ),
        Err(SignInRefused::Failed) => {
            form_page(StatusCode::INTERNAL_SERVER_ERROR, &next, Some("The server failed; see its log."))
        }
    }
}

/// Signs in with an API key.
pub async fn with_key(
    State(state): State<AppState>,
    super::ClientAddr(client): super::ClientAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = local_path(form.next.as_deref()).to_owned();
    if !super::same_origin(&state, &headers) {
        return form_page(StatusCode::FORBIDDEN, &next, Some("This form was sent from another site."));
    }
    let key = form.api_key.unwrap_or_default();
    if key.trim().is_empty() {
        return form_page(StatusCode::UNPROCESSABLE_ENTITY, &next, Some("Enter an API key."));
    }
    match sessions::sign_in_with_key(&state, &key, client).await {
        Ok(session) => signed_in(&state, &session, &next),
        Err(error) => {
            let status = super::status_of(error.refusal());
            let text = match error.refusal() {
                Refusal::Unauthenticated => "That API key is not valid (unknown, revoked or suspended).",
                Refusal::RateLimited => "Too many failed sign-ins from this address; wait a minute and try again.",
                _ => error.message(),
            };
            form_page(status, &next, Some(text))
        }
    }
}

/// Ends the session.
pub async fn logout(State(state): State<AppState>, viewer: Viewer, Form(form): Form<LogoutForm>) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return super::forbidden(&viewer);
    }
    sessions::sign_out(&state, viewer.session()).await;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(header::SET_COOKIE, clear_cookie(&state));
    response
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed_after_signing_in() {
        assert_eq!(local_path(Some("/runs?status=failed")), "/runs?status=failed");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
