use block_core::prelude::*;

/// Inputs of the greeting block.
#[derive(BlockInput)]
pub struct GreetInput {
    /// Who to greet.
    pub name: String,
    /// Whether to shout.
    pub loud: bool,
}

fn main() {}
