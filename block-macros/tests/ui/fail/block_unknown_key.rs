use block_core::prelude::*;

/// Inputs of the greeting block.
#[derive(BlockInput)]
pub struct GreetInput {
    /// Who to greet.
    pub name: String,
}

#[derive(BlockOutput)]
pub enum GreetOutput {
    /// The greeting.
    Greeting(String),
}

/// Greets someone.
#[block(id = "5f6f3a34-8f4e-4b8e-9f38-1d2c3b4a5e6f", categories(Basic), untested = "example", disabeld)]
pub struct GreetBlock;

impl Run for GreetBlock {
    type Input = GreetInput;
    type Output = GreetOutput;
    async fn run(&self, input: GreetInput, _ctx: &RunContext, out: &Emit<GreetOutput>) -> Result<(), BlockError> {
        out.emit(GreetOutput::Greeting(format!("Hello, {}!", input.name))).await
    }
}

fn main() {}
