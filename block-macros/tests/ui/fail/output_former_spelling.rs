// `#[output(...)]` still works but is deprecated: denied here, its warning shows.
#![deny(deprecated)]

use block_core::prelude::*;

#[derive(BlockOutput)]
pub enum GreetOutput {
    /// The greeting.
    #[output(name = "greeting")]
    Salute(String),
    /// How long it is.
    #[block_output(title = "Length")]
    Length(u64),
}

fn main() {}
