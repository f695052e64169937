//! API keys: generated, shown once, stored as a SHA-256 hash, looked up by it.
//!
//! Why a fast hash is right here: a key is 32 bytes from the system's random source
//! (256 bits), so nobody can guess one, and a fast hash of it cannot be reversed by
//! brute force either. Slow, salted hashes (argon2, bcrypt) protect low-entropy
//! *passwords*; for random keys they only cost every request milliseconds of CPU.
//! An unsalted hash also lets the key be found by an indexed lookup of its hash, so
//! no per-row comparison runs at all, and nothing in a timing is tied to the secret
//! in a usable way (an attacker would need a preimage of the stored hash).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::SecretString;

/// Every key starts with this, so leaked keys are recognisable (secret scanners,
/// logs) and cannot be confused with other tokens.
pub const API_KEY_PREFIX: &str = "blk_";

/// A freshly generated key: the only time the key itself exists.
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

/// A new random key, or `None` if the system random source failed.
pub fn generate() -> Option<GeneratedKey> {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).ok()?;
    let random = URL_SAFE_NO_PAD.encode(bytes);
    let key = format!("{API_KEY_PREFIX}{random}");
    let hint = format!("{API_KEY_PREFIX}{}...{}", &random[..4], &random[random.len() - 4..]);
    Some(GeneratedKey { hash: hash(&key), hint, key: key.into() })
}

/// SHA-256 of a presented key.
pub fn hash(key: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, key.as_bytes()).as_ref());
    out
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn keys_are_prefixed_random_and_hashed() {
        let first = generate().expect("random");
        let second = generate().expect("random");
        let key = first.key.expose_secret();
        assert!(key.starts_with(API_KEY_PREFIX));
        assert_eq!(key.len(), API_KEY_PREFIX.len() + 43, "32 bytes of url-safe base64");
        assert_ne!(key, second.key.expose_secret());
        assert_eq!(first.hash, hash(key));
        assert!(!first.hint.contains(&key[8..key.len() - 4]), "the hint shows only the ends");
        assert!(!format!("{first:?}").contains(key), "Debug never shows the key");
    }
}
