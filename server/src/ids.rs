//! Random identifiers.

use ring::rand::{SecureRandom, SystemRandom};

/// A random UUID v4, or `None` if the system random source failed.
pub fn uuid_v4() -> Option<String> {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).ok()?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Some(format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_distinct_uuid_v4() {
        let id = super::uuid_v4().expect("random");
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(super::uuid_v4(), Some(id));
    }
}
