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

#[derive(BlockOutput)]
pub enum CountOutput {
    /// A count.
    Count(u64),
}

/// Greets someone.
#[block(id = "5f6f3a34-8f4e-4b8e-9f38-1d2c3b4a5e6f", categories(Basic), tests = greet_cases)]
pub struct GreetBlock;

// A typed pin only fits the block whose output type declares it.
fn greet_cases() -> Vec<TestCase<GreetBlock>> {
    vec![
        TestCase::new("greets", GreetInput { name: "Ada".into() })
            .output_where(CountOutput::COUNT, "is one", |v| v == 1),
    ]
}

impl Run for GreetBlock {
    type Input = GreetInput;
    type Output = GreetOutput;
    async fn run(&self, input: GreetInput, _ctx: &RunContext, out: &Emit<GreetOutput>) -> Result<(), BlockError> {
        out.emit(GreetOutput::Greeting(format!("Hello, {}!", input.name))).await
    }
}

fn main() {}
