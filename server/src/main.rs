//! The `block-server` binary; all of its logic lives in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    block_server::cli::main()
}
