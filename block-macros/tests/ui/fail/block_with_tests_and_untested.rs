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
#[block(id = "5f6f3a34-8f4e-4b8e-9f38-1d2c3b4a5e6f", categories(Basic), tests = greet_cases, untested = "example")]
pub struct GreetBlock;

fn greet_cases() -> Vec<TestCase<GreetBlock>> {
    vec![TestCase::new("greets", GreetInput { name: "Ada".into() }).output(GreetOutput::Greeting("Hello, Ada!".into()))]
}

impl Run for GreetBlock {
    type Input = GreetInput;
    type Output = GreetOutput;
    async fn run(&self, input: GreetInput, _ctx: &RunContext, out: &Emit<GreetOutput>) -> Result<(), BlockError> {
        out.emit(GreetOutput::Greeting(format!("Hello, {}!", input.name))).await
    }
}

fn main() {}
