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
#[block(categories(Basic), untested = "example")]
pub struct GreetBlock;

impl Run for GreetBlock {
    type Input = GreetInput;
    type Output = GreetOutput;
    async fn run(&self, input: GreetInput, _ctx: &RunContext, out: &Emit<GreetOutput>) -> Result<(), BlockError> {
        out.emit(GreetOutput::Greeting(format!("Hello, {}!", input.name))).await
    }
}

fn main() {}
