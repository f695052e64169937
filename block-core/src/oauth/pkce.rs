//! PKCE (RFC 7636, S256 only) and random tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};

/// `bytes` random bytes from the system source, URL-safe base64 without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    // The system source failing is not recoverable and would make every token
    // guessable; refusing to continue is the only safe answer.
    SystemRandom::new().fill(&mut buffer).expect("the system random source is available");
    URL_SAFE_NO_PAD.encode(buffer)
}

/// A PKCE pair: the secret verifier, kept server-side, and its S256 challenge,
/// sent in the login URL.
#[derive(Debug, Clone)]
pub struct Pkce {
    verifier: SecretString,
    challenge: String,
}

impl Pkce {
    /// A fresh pair: 32 random bytes (43 characters) of verifier.
    pub fn new() -> Self {
        Self::from_verifier(random_token(32).into())
    }

    /// The pair for a verifier kept from the login's start.
    pub fn from_verifier(verifier: SecretString) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.expose_secret().as_bytes());
        Pkce { challenge: URL_SAFE_NO_PAD.encode(digest.as_ref()), verifier }
    }

    /// The verifier, sent only to the token endpoint.
    pub fn verifier(&self) -> &SecretString {
        &self.verifier
    }

    /// `BASE64URL(SHA256(verifier))`.
    pub fn challenge(&self) -> &str {
        &self.challenge
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

    #[test]
    fn the_challenge_is_the_rfc_7636_s256_of_the_verifier() {
        // The example of RFC 7636, appendix B.
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(pkce.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn fresh_verifiers_are_long_and_distinct() {
        let (a, b) = (Pkce::new(), Pkce::new());
        assert_eq!(a.verifier().expose_secret().len(), 43);
        assert_ne!(a.verifier().expose_secret(), b.verifier().expose_secret());
        assert!(!format!("{a:?}").contains(a.verifier().expose_secret()));
    }
}
