// `#[input(...)]` still works but is deprecated: denied here, its warning shows.
#![deny(deprecated)]

use block_core::prelude::*;

/// What to greet.
#[derive(BlockInput)]
pub struct GreetInput {
    /// Who to greet.
    #[input(placeholder = "Ada")]
    pub name: String,
    /// How many times.
    #[block_input(default = 1)]
    pub times: u32,
}

fn main() {}
