//! Identifiers: random UUID v4 for things (users, keys, credentials), UUID v7 for
//! what is made thousands of times a second and read back in time order (runs):
//! a v7 id starts with its creation time, so rows keyed by it are appended to an
//! index instead of landing on a random page of it.

/// A random UUID v4, hyphenated and lowercase.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// A UUID v7 (RFC 9562): the Unix time in milliseconds, then random bits, made
/// as block-core makes execution ids (random bits from a per-thread buffer, not a
/// system call per id: a busy server makes one per request). Should the system's
/// random source fail, uuid's own v7 (one system call) is made instead.
pub fn new_run_id() -> uuid::Uuid {
    block_core::executor::new_execution_id().unwrap_or_else(|_| uuid::Uuid::now_v7())
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
        let id = super::new_id();
        assert!(is_uuid(&id, '4'), "{id}");
        assert_ne!(super::new_id(), id);
    }

    #[test]
    fn run_ids_carry_the_time_and_sort_by_it() {
        let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
        let first = super::new_run_id().to_string();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = super::new_run_id().to_string();
        assert!(is_uuid(&first, '7') && is_uuid(&second, '7'), "{first} {second}");
        assert!(first < second, "{first} sorts before {second}");
        let millis = u64::from_str_radix(&first[..13].replace('-', ""), 16).expect("hex");
        let before = u64::try_from(before.as_millis()).expect("fits");
        assert!((before..before + 1000).contains(&millis), "{millis} is the creation time ({before})");
    }
}
