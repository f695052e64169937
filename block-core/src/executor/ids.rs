//! Execution ids: UUID v7, made without a system call per id.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

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
    fn threads_draw_different_ids() {
        let other = std::thread::spawn(|| new_execution_id().expect("random")).join().expect("thread");
        assert_ne!(other, new_execution_id().expect("random"));
    }
}
