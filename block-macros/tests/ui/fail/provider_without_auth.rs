use block_core::prelude::*;

/// A provider nobody can authenticate with.
#[provider(name = "nobody")]
pub struct Nobody;

fn main() {}
