//! The signed-in browser: the session cookie (set by the sign-in page, HttpOnly,
//! SameSite=Lax, Secure when the server is reached over https), the user it acts
//! for, and the anti-forgery check of every state-changing request.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::domain::User;
use crate::services::{AppState, sessions};

/// The cookie holding a signed-in browser's session (the same one the OAuth
/// consent page reads).
pub const SESSION_COOKIE: &str = "blocks_session";

/// The header a script sends its anti-forgery value in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The signed-in user looking at a page. Extracting it from a request without a
/// live session answers a page request (`GET`) with a redirect to the sign-in
/// page, and anything else with 401.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The user.
    pub user: User,
    /// The session's anti-forgery value, for forms and scripts.
    pub csrf: String,
    session: String,
}

impl Viewer {
    /// Whether `presented` is this session's anti-forgery value.
    pub fn csrf_ok(&self, presented: Option<&str>) -> bool {
        presented
            .is_some_and(|presented| block_core::tokens::constant_time_eq(presented.as_bytes(), self.csrf.as_bytes()))
    }

    /// The session secret (to end it).
    pub fn session(&self) -> &str {
        &self.session
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
        .filter(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .next()
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let signed_in = match session_cookie(&parts.headers) {
            Some(session) => sessions::viewer_of(state, &session).await.map(|user| (user, session)),
            None => None,
        };
        match signed_in {
            Some((user, session)) => Ok(Viewer { user, csrf: sessions::csrf_for(&session), session }),
            None if parts.method == axum::http::Method::GET => {
                let next = parts.uri.path_and_query().map_or("/", |path| path.as_str());
                let target = url::form_urlencoded::Serializer::new(String::new()).append_pair("next", next).finish();
                Err(Redirect::to(&format!("/login?{target}")).into_response())
            }
            None => {
                Err((StatusCode::UNAUTHORIZED, "You are not signed in: sign in again, then retry.").into_response())
            }
        }
    }
}

/// The `Set-Cookie` value opening a session for `lifetime_secs`.
pub fn open_cookie(state: &AppState, secret: &str, lifetime_secs: u64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={lifetime_secs}{}",
        secure(state)
    ))
    .ok()
}

/// The `Set-Cookie` value ending a session.
pub fn clear_cookie(state: &AppState) -> HeaderValue {
    HeaderValue::from_str(&format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", secure(state)))
        .unwrap_or_else(|_| HeaderValue::from_static("blocks_session=; Path=/; Max-Age=0"))
}

/// `; Secure` when the server is reached over https (a browser would not send a
/// Secure cookie back over plain http).
fn secure(state: &AppState) -> &'static str {
    if state.settings().public_url.starts_with("https://") { "; Secure" } else { "" }
}
