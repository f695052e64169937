//! The `block-server` binary: the library's command line, serving the
//! ready-made blocks.

use std::process::ExitCode;

// Blocks register themselves through `inventory` at link time, and the linker only
// keeps a crate that something names. Nothing here names a block directly, so these
// imports are what puts the blocks into `Registry::global()`.
use block_examples as _;
use block_providers as _;

/// The allocator: requests make many small, short-lived allocations (boxed
/// futures, JSON maps, run records), which mimalloc's per-thread free lists serve
/// in a fraction of the system allocator's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    block_server::cli::main()
}
