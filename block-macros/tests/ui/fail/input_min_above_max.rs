use block_core::prelude::*;

/// Inputs of the repeat block.
#[derive(BlockInput)]
pub struct RepeatInput {
    /// How many times.
    #[block_input(min = 10, max = 1)]
    pub times: u32,
}

fn main() {}
