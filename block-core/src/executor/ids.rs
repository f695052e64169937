//! Execution ids: UUID v7, made without a system call per id, and ids derived
//! from a parent id and what an execution is (a graph run's node executions).

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use uuid::{Builder, Uuid};

use crate::tokens::{RandomUnavailable, fill_random};

/// Random bytes drawn from the system source at once; each id takes 10.
const POOL_BYTES: usize = 1000;

/// Ids get 74 bits after the timestamp; a fresh millisecond starts the counter at a
/// random value below 2^73, leaving 2^73 increments before it could overflow.
const FRESH_MASK: u128 = (1 << 73) - 1;

struct Generator {
    pool: [u8; POOL_BYTES],
    used: usize,
    last_millis: u64,
    last_counter: u128,
}

thread_local! {
    static GENERATOR: RefCell<Generator> = const {
        RefCell::new(Generator { pool: [0; POOL_BYTES], used: POOL_BYTES, last_millis: 0, last_counter: 0 })
    };
}

/// A new execution id: a UUID v7 (RFC 9562), the Unix time in milliseconds then 74
/// bits that are random for the first id of a millisecond and counted up from there
/// (the RFC's "monotonic random" method), so ids made later on a thread sort later,
/// and ids of different threads sort by their millisecond.
///
/// The random bits come from the system source through a per-thread buffer: one
/// read per hundred ids instead of one per id, which is most of an id's cost.
pub fn new_execution_id() -> Result<Uuid, RandomUnavailable> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis());
    let now = u64::try_from(now).unwrap_or(u64::MAX);
    GENERATOR.with_borrow_mut(|generator| {
        // A clock that steps back keeps the last millisecond, so ids still increase.
        let (millis, counter) = if now <= generator.last_millis {
            (generator.last_millis, generator.last_counter + 1)
        } else {
            (now, generator.random_u128()? & FRESH_MASK)
        };
        generator.last_millis = millis;
        generator.last_counter = counter;
        Ok(Builder::from_unix_timestamp_millis(millis, &pack(counter)).into_uuid())
    })
}

impl Generator {
    fn random_u128(&mut self) -> Result<u128, RandomUnavailable> {
        if self.used + 16 > POOL_BYTES {
            fill_random(&mut self.pool)?;
            self.used = 0;
        }
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&self.pool[self.used..self.used + 16]);
        self.used += 16;
        Ok(u128::from_be_bytes(bytes))
    }
}

/// The id of the execution that `parts` name within execution `parent`: the same
/// parts within the same parent always give the same id, so that an execution
/// resumed elsewhere (a graph run taken over by another worker) finds the node
/// executions it had already started under the ids they had. A UUID v7 with the
/// parent's millisecond and 74 bits of a SHA-256 of the parent and the parts
/// (each length-prefixed, so no two lists of parts run together).
pub fn derived_execution_id(parent: Uuid, parts: &[&[u8]]) -> Uuid {
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    digest.update(parent.as_bytes());
    for part in parts {
        digest.update(&(part.len() as u64).to_be_bytes());
        digest.update(part);
    }
    let digest = digest.finish();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest.as_ref()[..16]);
    let counter = u128::from_be_bytes(bytes) & FRESH_MASK;
    // The first 48 bits of a v7 id are its millisecond; any other id's are
    // taken as they are.
    let mut millis = [0u8; 8];
    millis[2..].copy_from_slice(&parent.as_bytes()[..6]);
    Builder::from_unix_timestamp_millis(u64::from_be_bytes(millis), &pack(counter)).into_uuid()
}

/// A SHA-256 of `value` that does not depend on the order of object keys (two
/// equal values built in different orders digest alike).
pub fn canonical_digest(value: &Value) -> [u8; 32] {
    fn feed(digest: &mut ring::digest::Context, value: &Value) {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                digest.update(b"{");
                for (key, value) in entries {
                    digest.update(&(key.len() as u64).to_be_bytes());
                    digest.update(key.as_bytes());
                    feed(digest, value);
                }
                digest.update(b"}");
            }
            Value::Array(items) => {
                digest.update(b"[");
                items.iter().for_each(|item| feed(digest, item));
                digest.update(b"]");
            }
            scalar => {
                let text = scalar.to_string();
                digest.update(&(text.len() as u64).to_be_bytes());
                digest.update(text.as_bytes());
            }
        }
    }
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    feed(&mut digest, value);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.finish().as_ref());
    out
}

/// The 74-bit `counter` laid out around the version and variant bits the builder
/// sets: 12 bits of `rand_a`, then 62 of `rand_b`, so a larger counter is a larger
/// id.
fn pack(counter: u128) -> [u8; 10] {
    let rand_a = ((counter >> 62) & 0x0fff) as u16;
    let rand_b = (counter & ((1 << 62) - 1)) as u64;
    let mut bytes = [0u8; 10];
    bytes[..2].copy_from_slice(&rand_a.to_be_bytes());
    bytes[2..].copy_from_slice(&rand_b.to_be_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_7_rfc_variant_and_strictly_increasing_on_a_thread() {
        let ids: Vec<Uuid> = (0..2000).map(|_| new_execution_id().expect("random")).collect();
        assert!(ids.iter().all(|id| id.get_version_num() == 7 && id.get_variant() == uuid::Variant::RFC4122));
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "ids made later sort later");
    }

    #[test]
    fn ids_carry_the_current_millisecond() {
        let before = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_millis() as u64;
        let id = new_execution_id().expect("random");
        let after = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_millis() as u64;
        let (seconds, nanos) = id.get_timestamp().expect("a v7 id has a timestamp").to_unix();
        let millis = seconds * 1000 + u64::from(nanos) / 1_000_000;
        assert!((before..=after).contains(&millis), "{before} <= {millis} <= {after}");
    }

    #[test]
    fn packing_keeps_the_counters_order() {
        let counters = [0u128, 1, (1 << 62) - 1, 1 << 62, FRESH_MASK, FRESH_MASK + 5];
        let ids: Vec<Uuid> = counters
            .iter()
            .map(|&counter| Builder::from_unix_timestamp_millis(7, &pack(counter)).into_uuid())
            .collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    }

    #[test]
    fn derived_ids_are_stable_version_7_and_keep_the_parents_millisecond() {
        let parent = new_execution_id().expect("random");
        let id = derived_execution_id(parent, &[b"node", b"1"]);
        assert_eq!(id, derived_execution_id(parent, &[b"node", b"1"]), "the same parts give the same id");
        assert_ne!(id, derived_execution_id(parent, &[b"node", b"2"]));
        assert_ne!(id, derived_execution_id(parent, &[b"node1", b""]), "parts are length-prefixed");
        assert_ne!(id, derived_execution_id(new_execution_id().expect("random"), &[b"node", b"1"]));
        assert_eq!(id.get_version_num(), 7);
        assert_eq!(id.get_timestamp(), parent.get_timestamp());
    }

    #[test]
    fn canonical_digests_ignore_the_order_of_keys_only() {
        let a: Value = serde_json::from_str(r#"{"a": 1, "b": {"x": [1, "2"], "y": null}}"#).expect("json");
        let b: Value = serde_json::from_str(r#"{"b": {"y": null, "x": [1, "2"]}, "a": 1}"#).expect("json");
        let c: Value = serde_json::from_str(r#"{"a": 1, "b": {"x": ["2", 1], "y": null}}"#).expect("json");
        assert_eq!(canonical_digest(&a), canonical_digest(&b));
        assert_ne!(canonical_digest(&a), canonical_digest(&c));
    }

    #[test]
    fn threads_draw_different_ids() {
        let other = std::thread::spawn(|| new_execution_id().expect("random")).join().expect("thread");
        assert_ne!(other, new_execution_id().expect("random"));
    }
}
