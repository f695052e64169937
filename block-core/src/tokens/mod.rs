//! Random tokens, their hashes, constant-time comparison, and PKCE: the one place
//! the framework and a server built on it make and check secrets.
//!
//! ```
//! use block_core::tokens::{Pkce, constant_time_eq, hash_token, random_token};
//!
//! let token = random_token(32);
//! assert_eq!(token.len(), 43); // 32 bytes, URL-safe base64 without padding
//! let stored = hash_token(&token); // keep the hash, never the token
//! assert!(constant_time_eq(&stored, &hash_token(&token)));
//!
//! let pkce = Pkce::new();
//! assert!(Pkce::verify_s256(pkce.verifier(), pkce.challenge()));
//! ```
//!
//! Nothing here logs, prints or returns a secret in an error.

mod pkce;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq as _;

pub use pkce::Pkce;

/// The system random source could not be read. On a running Linux, macOS or
/// Windows system this does not happen; a token must never be made without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the system random source could not be read")]
pub struct RandomUnavailable;

/// `bytes` random bytes from the system source, as URL-safe base64 without
/// padding (`ceil(bytes * 4 / 3)` characters).
///
/// # Panics
/// When the system random source cannot be read, which a running system does not
/// do; a guessable token would be worse than stopping. Callers that must answer
/// instead (a request handler) use [`try_random_token`].
pub fn random_token(bytes: usize) -> String {
    match try_random_token(bytes) {
        Ok(token) => token,
        Err(error) => panic!("{error}: refusing to make a guessable token"),
    }
}

/// [`random_token`], with the random source's failure as an error.
pub fn try_random_token(bytes: usize) -> Result<String, RandomUnavailable> {
    let mut buffer = vec![0u8; bytes];
    fill_random(&mut buffer)?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

/// `prefix` followed by [`try_random_token`]: tokens whose kind shows at a glance
/// (and that secret scanners can match), such as `blk_...`.
pub fn prefixed_token(prefix: &str, bytes: usize) -> Result<String, RandomUnavailable> {
    Ok(format!("{prefix}{}", try_random_token(bytes)?))
}

/// Fills `out` from the system random source.
pub fn fill_random(out: &mut [u8]) -> Result<(), RandomUnavailable> {
    SystemRandom::new().fill(out).map_err(|_| RandomUnavailable)
}

/// SHA-256 of a token: what a store keeps and looks tokens up by, so that a leak
/// of the store does not leak usable tokens.
pub fn hash_token(token: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref());
    out
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths, so
/// that comparing a presented secret with the real one tells an attacker nothing
/// about how much of it was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_url_safe_of_the_asked_length_and_distinct() {
        let (a, b) = (random_token(32), random_token(32));
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'), "{a}");
        assert_eq!(random_token(16).len(), 22);
        assert_eq!(random_token(0), "");
    }

    #[test]
    fn prefixed_tokens_start_with_their_prefix() {
        let token = prefixed_token("blk_", 32).expect("random");
        assert!(token.starts_with("blk_") && token.len() == 4 + 43, "{token}");
    }

    #[test]
    fn a_token_hash_is_its_sha_256() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let hex: String = hash_token("abc").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
        assert_ne!(hash_token("abc"), hash_token("abd"));
    }

    #[test]
    fn constant_time_comparison_is_equality() {
        assert!(constant_time_eq(b"same secret", b"same secret"));
        assert!(!constant_time_eq(b"same secret", b"same secreT"));
        assert!(!constant_time_eq(b"short", b"shorter"));
        assert!(constant_time_eq(b"", b""));
    }
}
