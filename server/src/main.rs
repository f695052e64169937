//! The `block-server` binary: the library's command line, serving the
//! ready-made blocks.

use std::process::ExitCode;

// Blocks register themselves through `inventory` at link time, and the linker only
// keeps a crate that something names. Nothing here names a block directly, so these
// imports are what puts the blocks into `Registry::global()`.
use block_examples as _;
use block_providers as _;

fn main() -> ExitCode {
    block_server::cli::main()
}
