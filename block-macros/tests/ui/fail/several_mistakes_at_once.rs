use block_core::prelude::*;

/// Inputs of the greeting block.
#[derive(BlockInput)]
pub struct GreetInput {
    /// Who to greet.
    #[block_input(placeholdr = "Ada", title = "Name", title = "Who")]
    pub name: String,
    /// Whether to shout.
    pub loud: bool,
}

#[derive(BlockOutput)]
pub enum GreetOutput {
    /// The greeting.
    Greeting(String),
    /// Sent when done.
    Done,
    /// What went wrong.
    Error(String),
}

/// Greets someone.
#[block(id = "5f6f3a34-8f4e-1b8e-9f38-1d2c3b4a5e6f", categories(Basik, Text), tset = greet_cases)]
pub struct GreetBlock;

impl Run for GreetBlock {
    type Input = GreetInput;
    type Output = GreetOutput;
    async fn run(&self, input: GreetInput, _ctx: &RunContext, out: &Emit<GreetOutput>) -> Result<(), BlockError> {
        out.emit(GreetOutput::Greeting(format!("Hello, {}!", input.name))).await
    }
}

fn main() {}
