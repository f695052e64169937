use block_core::prelude::*;

/// Inputs naming a plain string like credentials.
#[derive(BlockInput)]
pub struct KeyInput {
    /// The key, wrongly typed.
    pub credentials: String,
}

fn main() {}
