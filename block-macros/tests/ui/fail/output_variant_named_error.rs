use block_core::prelude::*;

#[derive(BlockOutput)]
pub enum GreetOutput {
    /// The greeting.
    Greeting(String),
    /// What went wrong.
    Error(String),
}

fn main() {}
