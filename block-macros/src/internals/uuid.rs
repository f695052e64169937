//! Compile-time UUID v4 checks, with a valid id to suggest when the given one is wrong.

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

/// A UUID v4 to suggest in an error message, derived from `seed` (the block's own
/// tokens). Deterministic, so a rebuild shows the same suggestion and the message can
/// be snapshot-tested; seeded by the item, so different blocks get different ids. The
/// registry still rejects a duplicate id, should two identical items ever meet.
pub fn suggestion(seed: &str) -> String {
    // FNV-1a, then SplitMix64 to spread it over 128 bits: stable across Rust releases,
    // unlike `std`'s hashers.
    let mut state = seed
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3));
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&next().to_le_bytes());
    bytes[8..].copy_from_slice(&next().to_le_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_valid_stable_and_differ_by_seed() {
        let a = suggestion("pub struct GreetBlock;");
        assert_eq!(problem(&a), None, "{a}");
        assert_eq!(a, suggestion("pub struct GreetBlock;"));
        assert_ne!(a, suggestion("pub struct FarewellBlock;"));
        for seed in ["", "x", "another seed"] {
            assert_eq!(problem(&suggestion(seed)), None);
        }
    }

    #[test]
    fn explains_what_is_wrong() {
        assert!(problem("abc").is_some_and(|p| p.contains("36 characters")));
        assert!(problem("5f6f3a34-8f4e-1b8e-9f38-1d2c3b4a5e6f").is_some_and(|p| p.contains("version 1")));
        assert!(problem("5f6f3a34-8f4e-4b8e-9f38-1d2c3b4a5e6G").is_some_and(|p| p.contains("character 36")));
    }
}
