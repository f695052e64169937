//! # block-examples
//!
//! Runnable examples built only from `block-core`'s public API: the README's first
//! block, and (next) the reference tutorial's Example integration. Nothing here may
//! reach the network in tests.

pub mod greet;
