//! When a rate-limited answer says to come back, for the providers' errors: the
//! standard `Retry-After` header (RFC 9110: seconds, or an HTTP date).

use block_core::http::HeaderMap;

/// What `Retry-After` says, in words: `"30 seconds from now"` or the HTTP date it
/// names; `None` when the header is absent or malformed.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(format!("{seconds} seconds from now"));
    }
    httpdate::parse_http_date(value).ok().map(httpdate::fmt_http_date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", value.parse().expect("valid header"));
        headers
    }

    #[test]
    fn reads_seconds_or_an_http_date() {
        assert_eq!(retry_after(&headers("30")).as_deref(), Some("30 seconds from now"));
        assert_eq!(
            retry_after(&headers("Tue, 14 Nov 2023 22:13:20 GMT")).as_deref(),
            Some("Tue, 14 Nov 2023 22:13:20 GMT")
        );
        assert_eq!(retry_after(&headers("soon")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
