//! HMAC-SHA256 signatures, compared in constant time, and the signed timestamps
//! that keep a captured delivery from being replayed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
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

/// Standard base64 of HMAC-SHA1(`secret`, `data`), the scheme of older providers
/// (Twilio's `X-Twilio-Signature`). SHA-1 is still sound as an HMAC, which is the
/// only use made of it here.
pub fn hmac_sha1_base64(secret: &[u8], data: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    BASE64.encode(hmac::sign(&key, data).as_ref())
}

/// Whether `provided_base64` is HMAC-SHA1(`secret`, `data`), compared in constant
/// time. Malformed base64 is simply not a match.
pub fn verify_hmac_sha1_base64(secret: &[u8], data: &[u8], provided_base64: &str) -> bool {
    let Ok(provided) = BASE64.decode(provided_base64.trim()) else { return false };
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    hmac::verify(&key, data, &provided).is_ok()
}

/// Seconds since the Unix epoch at `time` (0 before it).
pub fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}

/// Checks a signed timestamp (Unix seconds) against the clock: `Err` says why a
/// delivery signed then is refused, too old or too far in the future for
/// `tolerance`.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use block_core::webhooks::{check_signed_time, unix_seconds};
/// let now = unix_seconds(SystemTime::now());
/// assert!(check_signed_time(now - 10, Duration::from_secs(300)).is_ok());
/// assert!(check_signed_time(now - 3600, Duration::from_secs(300)).is_err());
/// ```
pub fn check_signed_time(signed_at: i64, tolerance: Duration) -> Result<(), String> {
    let now = unix_seconds(SystemTime::now());
    let limit = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    let age = now.saturating_sub(signed_at);
    if age > limit {
        Err(format!("it was signed {age} seconds ago, longer than the {limit} seconds a delivery is accepted for"))
    } else if -age > limit {
        Err(format!("it was signed {} seconds in the future, more than the {limit} seconds allowed", -age))
    } else {
        Ok(())
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
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
    fn sha1_signatures_round_trip_and_refuse_other_data_or_bad_base64() {
        // RFC 2202, test case 2: HMAC-SHA1("Jefe", "what do ya want for nothing?").
        let signature = hmac_sha1_base64(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(signature, "7/zfauXrL6LSdBbV8YTfnCWafHk=");
        assert!(verify_hmac_sha1_base64(b"Jefe", b"what do ya want for nothing?", &signature));
        assert!(!verify_hmac_sha1_base64(b"Jefe", b"what do ya want for something?", &signature));
        assert!(!verify_hmac_sha1_base64(b"Jefe", b"what do ya want for nothing?", "not base64!"));
    }

    #[test]
    fn signed_times_are_accepted_only_within_the_tolerance_either_way() {
        let now = unix_seconds(SystemTime::now());
        let five_minutes = Duration::from_secs(300);
        assert!(check_signed_time(now, five_minutes).is_ok());
        assert!(check_signed_time(now - 290, five_minutes).is_ok());
        assert!(check_signed_time(now - 400, five_minutes).is_err_and(|e| e.contains("ago")));
        assert!(check_signed_time(now + 400, five_minutes).is_err_and(|e| e.contains("future")));
        assert!(check_signed_time(i64::MIN, five_minutes).is_err());
        assert!(check_signed_time(i64::MAX, five_minutes).is_err());
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
