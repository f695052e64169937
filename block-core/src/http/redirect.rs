//! Following one redirect: where to, with which method, and which headers survive.

use http::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, LOCATION, PROXY_AUTHORIZATION,
    TRANSFER_ENCODING,
};
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use super::error::HttpError;
use super::redact::RedactedUrl;

/// The next request of a redirect chain.
#[derive(Debug)]
pub(crate) struct Hop {
    pub(crate) method: Method,
    pub(crate) url: Url,
    /// Whether the body (and its headers) must be dropped.
    pub(crate) drop_body: bool,
}

/// The hop a response asks for, or `None` when it is not a redirect to follow
/// (not a 301/302/303/307/308, or no `Location`).
pub(crate) fn next_hop(
    status: StatusCode,
    headers: &HeaderMap,
    method: &Method,
    from: &Url,
) -> Result<Option<Hop>, HttpError> {
    let code = status.as_u16();
    if !matches!(code, 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(location) = headers.get(LOCATION) else {
        return Ok(None);
    };
    let invalid = |reason: String| HttpError::InvalidUrl {
        url: RedactedUrl::from_unparsed(&String::from_utf8_lossy(location.as_bytes())),
        reason: format!("the redirect from {} points there: {reason}", RedactedUrl::new(from)),
    };
    let location = location.to_str().map_err(|_| invalid("the Location header is not ASCII".into()))?;
    let mut url = from.join(location).map_err(|error| invalid(error.to_string()))?;
    // Credentials in a Location are never used: the server does not get to pick them.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);
    let (method, drop_body) = match code {
        303 if *method == Method::HEAD => (Method::HEAD, true),
        303 => (Method::GET, true),
        301 | 302 if *method == Method::POST => (Method::GET, true),
        _ => (method.clone(), false),
    };
    Ok(Some(Hop { method, url, drop_body }))
}

/// Whether two URLs share scheme, host and port.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

/// Prepares the headers of a hop: credentials (`Authorization`,
/// `Proxy-Authorization`, `Cookie` and every header marked sensitive) only go to
/// the origin they were meant for, and body headers go with the body.
pub(crate) fn headers_for_hop(headers: &mut HeaderMap, from: &Url, hop: &Hop) {
    if !same_origin(from, &hop.url) {
        for name in [AUTHORIZATION, PROXY_AUTHORIZATION, COOKIE] {
            headers.remove(name);
        }
        let sensitive: Vec<_> =
            headers.iter().filter(|(_, value)| value.is_sensitive()).map(|(name, _)| name.clone()).collect();
        for name in sensitive {
            headers.remove(name);
        }
    }
    if hop.drop_body {
        for name in [CONTENT_TYPE, CONTENT_LENGTH, CONTENT_ENCODING, TRANSFER_ENCODING] {
            headers.remove(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn hop(status: u16, method: Method, location: &str) -> Hop {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_str(location).unwrap());
        let from = Url::parse("https://a.example.com/start").unwrap();
        next_hop(StatusCode::from_u16(status).unwrap(), &headers, &method, &from).unwrap().unwrap()
    }

    #[test]
    fn see_other_turns_anything_but_head_into_a_bodiless_get() {
        let next = hop(303, Method::PUT, "/done");
        assert_eq!((next.method, next.drop_body), (Method::GET, true));
        assert_eq!(next.url.as_str(), "https://a.example.com/done");
        assert_eq!(hop(303, Method::HEAD, "/x").method, Method::HEAD);
    }

    #[test]
    fn moved_and_found_turn_only_post_into_get() {
        assert_eq!(hop(301, Method::POST, "/x").method, Method::GET);
        assert_eq!(hop(302, Method::POST, "/x").method, Method::GET);
        let put = hop(302, Method::PUT, "/x");
        assert_eq!((put.method, put.drop_body), (Method::PUT, false));
    }

    #[test]
    fn temporary_and_permanent_redirects_keep_method_and_body() {
        for status in [307, 308] {
            let next = hop(status, Method::POST, "https://b.example.com/y");
            assert_eq!((next.method, next.drop_body), (Method::POST, false));
        }
    }

    #[test]
    fn location_credentials_and_fragments_are_dropped() {
        let next = hop(302, Method::GET, "https://user:pw@b.example.com/y#frag");
        assert_eq!(next.url.as_str(), "https://b.example.com/y");
    }

    #[test]
    fn a_non_redirect_or_a_redirect_without_location_is_not_followed() {
        let from = Url::parse("https://a.example.com/").unwrap();
        assert!(next_hop(StatusCode::OK, &HeaderMap::new(), &Method::GET, &from).unwrap().is_none());
        assert!(next_hop(StatusCode::FOUND, &HeaderMap::new(), &Method::GET, &from).unwrap().is_none());
    }

    #[test]
    fn cross_origin_hops_lose_credentials_and_same_origin_hops_keep_them() {
        let mut secret = HeaderValue::from_static("k");
        secret.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        headers.insert("x-api-key", secret);
        headers.insert("accept", HeaderValue::from_static("*/*"));
        let from = Url::parse("https://a.example.com/").unwrap();

        let mut same = headers.clone();
        headers_for_hop(&mut same, &from, &hop(307, Method::GET, "/next"));
        assert!(same.contains_key(AUTHORIZATION) && same.contains_key("x-api-key"));

        // Another port is another origin.
        headers_for_hop(&mut headers, &from, &hop(307, Method::GET, "https://a.example.com:8443/"));
        assert!(!headers.contains_key(AUTHORIZATION) && !headers.contains_key("x-api-key"));
        assert!(headers.contains_key("accept"));
    }
}
