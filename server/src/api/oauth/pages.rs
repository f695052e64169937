//! The HTML pages and redirects of the authorization server's browser
//! endpoints.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::services::oauth_server::authorize::RedirectError;

/// A small HTML page, never cached, never framed.
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
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

/// Text made safe inside HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A 302 to `uri` with `pairs` added to its query.
pub fn redirect(uri: &str, pairs: &[(&str, &str)]) -> Response {
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

/// An RFC 6749 4.1.2.1 error, sent back to the client.
pub fn redirect_error(error: &RedirectError) -> Response {
    redirect(
        &error.uri,
        &[
            ("error", error.error),
            ("error_description", &error.description),
            ("state", error.state.as_deref().unwrap_or("")),
        ],
    )
}

/// The page of a server fault.
pub fn server_error() -> Response {
    page(StatusCode::INTERNAL_SERVER_ERROR, "Server error", "<p>See the server log.</p>")
}
