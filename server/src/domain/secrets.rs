//! The server's own secrets: API keys and the authorization server's codes and
//! tokens, each prefixed (so a leaked one is recognisable), 32 random bytes, and
//! stored only as its SHA-256; and the PKCE S256 check. The random bytes, the
//! hash and PKCE are [`block_core::tokens`], which blocks' OAuth logins use too.
//!
//! Why a fast hash is right here: every secret is 32 bytes from the system's
//! random source (256 bits), so nobody can guess one, and a fast hash of it cannot
//! be reversed by brute force either. Slow, salted hashes (argon2, bcrypt) protect
//! low-entropy *passwords*; for random keys they only cost every request
//! milliseconds of CPU. An unsalted hash also lets a key be found by an indexed
//! lookup of its hash, so no per-row comparison runs at all, and nothing in a
//! timing is tied to the secret in a usable way (an attacker would need a preimage
//! of the stored hash).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use block_core::tokens::{self, Pkce};
use ring::digest::{SHA256, digest};
use secrecy::SecretString;

/// API keys start with this, so leaked keys are recognisable (secret scanners,
/// logs) and cannot be confused with other tokens.
pub const API_KEY_PREFIX: &str = "blk_";

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
/// Secrets signing completion callbacks start with this.
pub const CALLBACK_SECRET_PREFIX: &str = "bcb_";
/// Browser sessions (the consent page's cookie) start with this.
pub const SESSION_PREFIX: &str = "bss_";

/// `prefix` + 32 random bytes (url-safe base64), or `None` if the random source
/// failed.
pub fn new_secret(prefix: &str) -> Option<String> {
    tokens::prefixed_token(prefix, 32).ok()
}

/// SHA-256 of a secret: what the storage keeps and looks up.
pub fn hash(secret: &str) -> [u8; 32] {
    tokens::hash_token(secret)
}

/// A freshly generated API key: the only time the key itself exists.
#[derive(Debug)]
pub struct GeneratedKey {
    /// The key, to show once.
    pub key: SecretString,
    /// Its SHA-256, to store.
    pub hash: [u8; 32],
    /// The prefix, the first 4 and the last 4 characters of the random part, to
    /// recognise it in lists.
    pub hint: String,
}

/// A new random API key, or `None` if the system random source failed.
pub fn generate_api_key() -> Option<GeneratedKey> {
    let key = new_secret(API_KEY_PREFIX)?;
    let random = &key[API_KEY_PREFIX.len()..];
    let hint = format!("{API_KEY_PREFIX}{}...{}", &random[..4], &random[random.len() - 4..]);
    Some(GeneratedKey { hash: hash(&key), hint, key: key.into() })
}

/// `BASE64URL(SHA256(verifier))`, the S256 challenge of a PKCE verifier.
pub fn s256(verifier: &str) -> String {
    Pkce::s256_challenge(verifier)
}

/// A verifier as RFC 7636 allows: 43 to 128 unreserved characters.
pub fn is_valid_verifier(verifier: &str) -> bool {
    Pkce::is_valid_verifier(verifier)
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
    fn keys_are_prefixed_random_and_hashed() {
        use secrecy::ExposeSecret;
        let first = generate_api_key().expect("random");
        let second = generate_api_key().expect("random");
        let key = first.key.expose_secret();
        assert!(key.starts_with(API_KEY_PREFIX));
        assert_eq!(key.len(), API_KEY_PREFIX.len() + 43, "32 bytes of url-safe base64");
        assert_ne!(key, second.key.expose_secret());
        assert_eq!(first.hash, hash(key));
        assert!(!first.hint.contains(&key[8..key.len() - 4]), "the hint shows only the ends");
        assert!(!format!("{first:?}").contains(key), "Debug never shows the key");
    }

    #[test]
    fn secrets_are_prefixed_and_distinct() {
        let first = new_secret(ACCESS_TOKEN_PREFIX).expect("random");
        assert!(first.starts_with(ACCESS_TOKEN_PREFIX));
        assert_ne!(Some(first), new_secret(ACCESS_TOKEN_PREFIX));
    }
}
