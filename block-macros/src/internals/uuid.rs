//! Compile-time UUID v4 checks, with a fresh suggestion when the id is wrong.

use std::hash::{BuildHasher, Hasher};

/// Why `id` is not a lowercase hyphenated UUID v4, or `None` if it is one.
pub fn problem(id: &str) -> Option<String> {
    let bytes = id.as_bytes();
    if bytes.len() != 36 {
        return Some(format!("a block id is a UUID v4 of 36 characters; this one has {}", id.chars().count()));
    }
    for (i, &b) in bytes.iter().enumerate() {
        let ok = match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        };
        if !ok {
            let expected = if matches!(i, 8 | 13 | 18 | 23) { "`-`" } else { "a lowercase hex digit" };
            return Some(format!("character {} of the block id should be {expected}", i + 1));
        }
    }
    if bytes[14] != b'4' {
        return Some(format!(
            "the block id is a UUID version {}, not version 4 (character 15 must be `4`)",
            bytes[14] as char
        ));
    }
    if !matches!(bytes[19], b'8' | b'9' | b'a' | b'b') {
        return Some("the block id has the wrong UUID variant (character 20 must be 8, 9, a or b)".to_owned());
    }
    None
}

/// A fresh random UUID v4 to suggest in an error message.
pub fn fresh() -> String {
    let mut bytes = [0u8; 16];
    for chunk in bytes.chunks_mut(8) {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher
            .write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_are_valid_and_differ() {
        let a = fresh();
        assert_eq!(problem(&a), None, "{a}");
        assert_ne!(a, fresh());
    }

    #[test]
    fn explains_what_is_wrong() {
        assert!(problem("abc").is_some_and(|p| p.contains("36 characters")));
        assert!(problem("5f6f3a34-8f4e-1b8e-9f38-1d2c3b4a5e6f").is_some_and(|p| p.contains("version 1")));
        assert!(problem("5f6f3a34-8f4e-4b8e-9f38-1d2c3b4a5e6G").is_some_and(|p| p.contains("character 36")));
    }
}
