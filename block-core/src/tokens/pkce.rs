//! PKCE (RFC 7636), S256 only: the client's pair and the server's check.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};

use super::{constant_time_eq, random_token};

/// A PKCE pair: the secret verifier, kept by whoever starts the login, and its
/// S256 challenge, sent in the login URL.
#[derive(Debug, Clone)]
pub struct Pkce {
    verifier: SecretString,
    challenge: String,
}

impl Pkce {
    /// A fresh pair: 32 random bytes (43 characters) of verifier.
    ///
    /// # Panics
    /// Only when the system random source cannot be read (see
    /// [`random_token`](super::random_token)).
    pub fn new() -> Self {
        Self::from_verifier(random_token(32).into())
    }

    /// The pair for a verifier kept from the login's start.
    pub fn from_verifier(verifier: SecretString) -> Self {
        let challenge = Self::s256_challenge(verifier.expose_secret());
        Pkce { challenge, verifier }
    }

    /// The verifier, sent only to the token endpoint.
    pub fn verifier(&self) -> &SecretString {
        &self.verifier
    }

    /// `BASE64URL(SHA256(verifier))`.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    /// `BASE64URL(SHA256(verifier))`, the S256 challenge of any verifier.
    pub fn s256_challenge(verifier: &str) -> String {
        URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()))
    }

    /// Whether `verifier` is one RFC 7636 allows: 43 to 128 unreserved characters.
    pub fn is_valid_verifier(verifier: &str) -> bool {
        (43..=128).contains(&verifier.len())
            && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
    }

    /// The authorization server's check: whether `verifier` is well formed and its
    /// S256 challenge is `challenge`, compared in constant time.
    pub fn verify_s256(verifier: &SecretString, challenge: &str) -> bool {
        let verifier = verifier.expose_secret();
        Self::is_valid_verifier(verifier)
            && constant_time_eq(Self::s256_challenge(verifier).as_bytes(), challenge.as_bytes())
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of RFC 7636, appendix B.
    const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_challenge_is_the_rfc_7636_s256_of_the_verifier() {
        let pkce = Pkce::from_verifier(RFC_VERIFIER.into());
        assert_eq!(pkce.challenge(), RFC_CHALLENGE);
        assert_eq!(Pkce::s256_challenge(RFC_VERIFIER), RFC_CHALLENGE);
    }

    #[test]
    fn the_server_accepts_the_rfc_pair_and_refuses_others() {
        assert!(Pkce::verify_s256(&RFC_VERIFIER.into(), RFC_CHALLENGE));
        assert!(!Pkce::verify_s256(&RFC_VERIFIER.into(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"));
        let other = Pkce::new();
        assert!(!Pkce::verify_s256(other.verifier(), RFC_CHALLENGE));
        assert!(Pkce::verify_s256(other.verifier(), other.challenge()));
    }

    #[test]
    fn verifiers_outside_rfc_7636_are_refused_even_with_a_matching_challenge() {
        for verifier in ["short", &"a".repeat(129), &format!("{}+", "a".repeat(42))] {
            assert!(!Pkce::is_valid_verifier(verifier), "{verifier}");
            assert!(!Pkce::verify_s256(&verifier.into(), &Pkce::s256_challenge(verifier)), "{verifier}");
        }
        assert!(Pkce::is_valid_verifier(&"a~.-_9".repeat(8)));
    }

    #[test]
    fn fresh_verifiers_are_long_distinct_and_not_in_debug() {
        let (a, b) = (Pkce::new(), Pkce::new());
        assert_eq!(a.verifier().expose_secret().len(), 43);
        assert!(Pkce::is_valid_verifier(a.verifier().expose_secret()));
        assert_ne!(a.verifier().expose_secret(), b.verifier().expose_secret());
        assert!(!format!("{a:?}").contains(a.verifier().expose_secret()));
    }
}
