//! GitHub's pagination: the `Link` response header, read defensively.
//!
//! Only a `next` link on `https://api.github.com` is followed: the request carries
//! the token, so a link elsewhere (a hostile proxy, a bug) must not receive it.

use block_core::http::{HeaderMap, Url};

use super::error::GithubError;

/// The URL of the `rel="next"` link among the `Link` headers, if any.
///
/// ```text
/// Link: <https://api.github.com/repositories/1/issues?page=2>; rel="next",
///       <https://api.github.com/repositories/1/issues?page=5>; rel="last"
/// ```
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(links)
        .find(|(_, rels)| rels.split_ascii_whitespace().any(|rel| rel.eq_ignore_ascii_case("next")))
        .map(|(url, _)| url.to_owned())
}

/// The `(url, rel)` pairs of one `Link` header value. URLs sit in `<...>`, so a
/// comma inside one does not split it.
fn links(header: &str) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|i| open + i) else { break };
        let url = &rest[open + 1..close];
        let params_end = rest[close..].find('<').map_or(rest.len(), |i| close + i);
        let rel = rest[close + 1..params_end]
            .split(';')
            .filter_map(|param| param.trim().split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("rel"))
            .map(|(_, value)| value.trim().trim_end_matches(',').trim().trim_matches('"').to_owned())
            .unwrap_or_default();
        out.push((url.trim(), rel));
        rest = &rest[params_end..];
    }
    out
}

/// `next` as a URL the client may send the token to: `https://api.github.com`,
/// default port, no user info.
pub(crate) fn checked_next(next: &str) -> Result<Url, GithubError> {
    let foreign = |origin: String| GithubError::ForeignNextPage { origin };
    let url = Url::parse(next).map_err(|_| foreign("an unparsable URL".to_owned()))?;
    let on_api = url.scheme() == "https"
        && url.host_str() == Some("api.github.com")
        && url.port().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if on_api { Ok(url) } else { Err(foreign(url.origin().ascii_serialization())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("link", value.parse().expect("valid header"));
        }
        headers
    }

    #[test]
    fn finds_the_next_link_among_githubs_relations() {
        let link = r#"<https://api.github.com/repositories/1/issues?page=1>; rel="prev", <https://api.github.com/repositories/1/issues?page=3>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#;
        assert_eq!(
            next_link(&headers(&[link])).as_deref(),
            Some("https://api.github.com/repositories/1/issues?page=3")
        );
    }

    #[test]
    fn has_no_next_link_on_the_last_page_or_without_a_header() {
        let link = r#"<https://api.github.com/x?page=1>; rel="first", <https://api.github.com/x?page=4>; rel="prev""#;
        assert_eq!(next_link(&headers(&[link])), None);
        assert_eq!(next_link(&HeaderMap::new()), None);
        assert_eq!(next_link(&headers(&["garbage; rel=next"])), None);
    }

    #[test]
    fn keeps_commas_inside_urls_and_reads_unquoted_relations() {
        let link = "<https://api.github.com/x?labels=a,b&page=2>; rel=next";
        assert_eq!(next_link(&headers(&[link])).as_deref(), Some("https://api.github.com/x?labels=a,b&page=2"));
    }

    #[test]
    fn follows_only_links_on_the_api_origin() {
        assert!(checked_next("https://api.github.com/repositories/1/issues?page=2").is_ok());
        for foreign in [
            "https://evil.example/steal?page=2",
            "http://api.github.com/x?page=2",
            "https://api.github.com:8443/x",
            "https://user@api.github.com/x",
            "https://api.github.com.evil.example/x",
            "/relative?page=2",
        ] {
            let error = checked_next(foreign).expect_err(foreign);
            assert!(error.to_string().contains("was not followed"), "{foreign}: {error}");
        }
    }
}
