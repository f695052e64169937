use block_core::prelude::*;

#[derive(BlockOutput)]
pub enum GreetOutput {
    /// The greeting.
    Greeting(String),
    /// Another greeting.
    #[block_output(name = "greeting")]
    Salute(String),
}

fn main() {}
