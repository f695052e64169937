//! The authorization server's secrets: prefixed, random, stored as SHA-256, and
//! the PKCE S256 check.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};

/// Client ids start with this.
pub const CLIENT_ID_PREFIX: &str = "bci_";
/// Client secrets start with this.
pub const CLIENT_SECRET_PREFIX: &str = "bcs_";
/// Authorization codes start with this.
pub const CODE_PREFIX: &str = "bac_";
/// Access tokens start with this: `Authorization: Bearer bat_...`.
pub const ACCESS_TOKEN_PREFIX: &str = "bat_";
/// Refresh tokens start with this.
pub const REFRESH_TOKEN_PREFIX: &str = "brt_";
/// One-time sign-in links carry this.
pub const LOGIN_PREFIX: &str = "bll_";
/// Browser sessions (the consent page's cookie) start with this.
pub const SESSION_PREFIX: &str = "bss_";

/// `prefix` + 32 random bytes (url-safe base64), or `None` if the random source
/// failed.
pub fn new_secret(prefix: &str) -> Option<String> {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).ok()?;
    Some(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// SHA-256 of a secret: what the storage keeps and looks up.
pub fn hash(secret: &str) -> [u8; 32] {
    crate::auth::hash_api_key(secret)
}

/// `BASE64URL(SHA256(verifier))`, the S256 challenge of a PKCE verifier.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()))
}

/// A verifier as RFC 7636 allows: 43 to 128 unreserved characters.
pub fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The consent form's anti-forgery value, derived from the session so that
/// nothing else has to be stored.
pub fn csrf_for(session: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, format!("consent-form:{session}").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_rfc_7636_example() {
        assert_eq!(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert!(is_valid_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        assert!(!is_valid_verifier("short"));
    }

    #[test]
    fn secrets_are_prefixed_and_distinct() {
        let first = new_secret(ACCESS_TOKEN_PREFIX).expect("random");
        assert!(first.starts_with(ACCESS_TOKEN_PREFIX));
        assert_ne!(Some(first), new_secret(ACCESS_TOKEN_PREFIX));
    }
}
