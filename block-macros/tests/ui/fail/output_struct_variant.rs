use block_core::prelude::*;

#[derive(BlockOutput)]
pub enum GreetOutput {
    /// The greeting.
    Greeting(String),
    /// Where the greeting went.
    Sent { to: String, at: u64 },
}

fn main() {}
