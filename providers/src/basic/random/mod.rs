//! Random values from the operating system's secure random source: numbers in a
//! range and UUIDs.

mod number;
mod uuid;

pub use number::{RandomNumberBlock, RandomNumberInput, RandomNumberOutput};
pub use uuid::{RandomUuidBlock, RandomUuidInput, RandomUuidOutput};

use block_core::BlockError;
use ring::rand::{SecureRandom, SystemRandom};

/// `N` bytes from the system's secure random source.
fn random_bytes<const N: usize>() -> Result<[u8; N], BlockError> {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| BlockError::new("the system's random source failed; try again"))?;
    Ok(bytes)
}

/// A uniformly random whole number in `0..=span` (rejection sampling, so no value
/// is more likely than another).
fn uniform_up_to(span: u64) -> Result<u64, BlockError> {
    if span == u64::MAX {
        return Ok(u64::from_le_bytes(random_bytes()?));
    }
    let range = span + 1;
    // The largest multiple of `range` that fits; draws at or above it are redrawn.
    let zone = u64::MAX - (u64::MAX % range);
    loop {
        let draw = u64::from_le_bytes(random_bytes()?);
        if draw < zone {
            return Ok(draw % range);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::uniform_up_to;

    #[test]
    fn draws_stay_in_range_and_cover_it() {
        let mut seen = [false; 6];
        for _ in 0..600 {
            let draw = uniform_up_to(5).expect("random");
            assert!(draw <= 5);
            seen[draw as usize] = true;
        }
        assert!(seen.iter().all(|&s| s), "600 draws of 0..=5 hit every value: {seen:?}");
        assert_eq!(uniform_up_to(0).expect("random"), 0);
        uniform_up_to(u64::MAX).expect("the full range works");
    }
}
