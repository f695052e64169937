//! Whole-workspace tests. The library only links every blocks crate, so that the
//! tests in `tests/` see every registered block; it must never define blocks itself.

// Blocks register through `inventory` when their crate is linked; naming the crates
// here keeps the linker from dropping them.
use block_examples as _;
use block_providers as _;

/// The registry of every block in the workspace.
pub fn registry() -> &'static block_core::Registry {
    match block_core::Registry::global() {
        Ok(registry) => registry,
        Err(error) => panic!("{error}"),
    }
}
