use block_core::prelude::*;

/// How loud to greet.
#[derive(BlockEnum)]
pub enum Volume {
    Quiet,
    Loud(u8),
}

/// Inputs of the greeting block.
#[derive(BlockInput)]
pub struct GreetInput {
    /// Who to greet.
    pub name: String,
    /// How loud.
    #[block_input(default = Volume::Quiet)]
    pub volume: Volume,
}

fn main() {}
