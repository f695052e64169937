//! HMAC-SHA256 signatures, compared in constant time.

use ring::hmac;

/// Lowercase hex of HMAC-SHA256(`secret`, `body`).
pub fn hmac_sha256_hex(secret: &[u8], body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    hmac::sign(&key, body).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `provided_hex` is HMAC-SHA256(`secret`, `body`), compared in constant
/// time. Malformed hex is simply not a match.
pub fn verify_hmac_sha256_hex(secret: &[u8], body: &[u8], provided_hex: &str) -> bool {
    let Some(provided) = decode_hex(provided_hex.trim()) else { return false };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    hmac::verify(&key, body, &provided).is_ok()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_githubs_documented_example() {
        // From GitHub's "Validating webhook deliveries" documentation.
        let signature = hmac_sha256_hex(b"It's a Secret to Everybody", b"Hello, World!");
        assert_eq!(signature, "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
        assert!(verify_hmac_sha256_hex(b"It's a Secret to Everybody", b"Hello, World!", &signature));
    }

    #[test]
    fn rejects_wrong_malformed_and_tampered_signatures() {
        let signature = hmac_sha256_hex(b"secret", b"body");
        assert!(!verify_hmac_sha256_hex(b"other", b"body", &signature));
        assert!(!verify_hmac_sha256_hex(b"secret", b"body!", &signature));
        assert!(!verify_hmac_sha256_hex(b"secret", b"body", "zz"));
        assert!(!verify_hmac_sha256_hex(b"secret", b"body", ""));
        assert!(!verify_hmac_sha256_hex(b"secret", b"body", "é1"));
    }
}
