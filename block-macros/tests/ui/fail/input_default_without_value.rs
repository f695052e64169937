use block_core::prelude::*;

/// Inputs of the greeting block.
#[derive(BlockInput)]
pub struct GreetInput {
    /// Who to greet.
    #[block_input(default)]
    pub name: String,
}

fn main() {}
