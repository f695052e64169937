use block_core::prelude::*;

#[derive(BlockOutput)]
pub enum GreetOutput {
    /// The greeting.
    Greeting(String),
    /// Sent when done.
    Done,
}

fn main() {}
