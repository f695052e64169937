//! Random identifiers.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use ring::rand::{SecureRandom, SystemRandom};

/// A random UUID v4, or `None` if the system random source failed.
pub fn uuid_v4() -> Option<String> {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).ok()?;
    Some(format_uuid(bytes, 4))
}

/// A UUID v7 (RFC 9562): the Unix time in milliseconds, then 74 random bits; or
/// `None` if the system random source failed. Ids made later sort later, so rows
/// keyed by them are appended to an index instead of landing on a random page of
/// it: execution records, written thousands a second, use these.
pub fn uuid_v7() -> Option<String> {
    let mut bytes = [0u8; 16];
    random_bytes(&mut bytes[6..])?;
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis());
    bytes[..6].copy_from_slice(&(millis as u64).to_be_bytes()[2..]);
    Some(format_uuid(bytes, 7))
}

/// Fills `out` from the system random source, through a per-thread buffer: ids
/// are made for every execution, and one call to the source per id is most of an
/// id's cost. The bytes are the source's own, each handed out once.
fn random_bytes(out: &mut [u8]) -> Option<()> {
    const BUFFER: usize = 1024;
    thread_local! {
        static POOL: RefCell<([u8; BUFFER], usize)> = const { RefCell::new(([0; BUFFER], BUFFER)) };
    }
    if out.len() > BUFFER {
        return SystemRandom::new().fill(out).ok();
    }
    POOL.with_borrow_mut(|(pool, used)| {
        if BUFFER - *used < out.len() {
            SystemRandom::new().fill(pool).ok()?;
            *used = 0;
        }
        out.copy_from_slice(&pool[*used..*used + out.len()]);
        // Spent bytes are wiped so that they cannot be handed out or read again.
        pool[*used..*used + out.len()].fill(0);
        *used += out.len();
        Some(())
    })
}

/// `bytes` with the version and the RFC 9562 variant set, in the hyphenated form.
fn format_uuid(mut bytes: [u8; 16], version: u8) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes[6] = (bytes[6] & 0x0f) | (version << 4);
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut text = String::with_capacity(36);
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    fn is_uuid(id: &str, version: char) -> bool {
        let groups: Vec<&str> = id.split('-').collect();
        groups.iter().map(|group| group.len()).eq([8, 4, 4, 4, 12])
            && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            && id[14..15].starts_with(version)
            && matches!(&id[19..20], "8" | "9" | "a" | "b")
    }

    #[test]
    fn ids_are_distinct_uuid_v4() {
        let id = super::uuid_v4().expect("random");
        assert!(is_uuid(&id, '4'), "{id}");
        assert_ne!(super::uuid_v4(), Some(id));
    }

    #[test]
    fn v7_ids_stay_distinct_across_refills_of_the_random_buffer() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| super::uuid_v7().expect("random")).collect();
        assert_eq!(ids.len(), 1000, "10 random bytes an id, 1024 a refill: many refills, no repeat");
        let mut big = [0u8; 2048];
        super::random_bytes(&mut big).expect("random");
        assert!(big.iter().any(|byte| *byte != 0), "more than a buffer at once comes from the source");
    }

    #[test]
    fn v7_ids_carry_the_time_and_sort_by_it() {
        let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
        let first = super::uuid_v7().expect("random");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = super::uuid_v7().expect("random");
        assert!(is_uuid(&first, '7') && is_uuid(&second, '7'), "{first} {second}");
        assert!(first < second, "{first} sorts before {second}");
        let millis = u64::from_str_radix(&first[..13].replace('-', ""), 16).expect("hex");
        let before = u64::try_from(before.as_millis()).expect("fits");
        assert!((before..before + 1000).contains(&millis), "{millis} is the creation time ({before})");
    }
}
