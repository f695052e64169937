//! # block-server
//!
//! Exposes every block linked into the binary. Today that is the `block-server`
//! command line ([`cli`]): list the registered blocks, run one on JSON input (with
//! credentials from a file or the providers' environment variables), and print the
//! `.env.example` of the linked providers. The HTTP API compatible with the
//! reference platform's External API will live here too, on the same
//! [`Registry`](block_core::Registry) and [`Executor`](block_core::Executor).
//!
//! This crate must never print a secret, run a block whose input failed validation,
//! or panic on anything a user typed.

pub mod cli;

// Blocks register themselves through `inventory` at link time, and the linker only
// keeps a crate that something names. Nothing here names a block directly, so these
// imports are what puts the blocks into `Registry::global()`.
use block_examples as _;
use block_providers as _;
