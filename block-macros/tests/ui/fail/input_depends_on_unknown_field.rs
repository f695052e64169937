use block_core::prelude::*;

/// Inputs of the greeting block.
#[derive(BlockInput)]
pub struct GreetInput {
    /// Who to greet.
    pub name: String,
    /// The greeting to use.
    #[block_input(depends_on = [nmae])]
    pub greeting: Option<String>,
}

fn main() {}
