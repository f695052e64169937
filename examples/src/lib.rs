//! # block-examples
//!
//! Runnable examples built only from `block-core`'s public API: the README's first
//! block and the reference tutorial's Example integration (`example`). Nothing here may
//! reach the network in tests.

pub mod example;
pub mod greet;
