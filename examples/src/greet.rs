//! The block from the README's "Write your first block", with its test cases.
//! `tests/tests/readme.rs` checks that the README shows exactly this code.

use block_core::prelude::*;

/// Inputs of the greeting block.
#[derive(BlockInput)]
pub struct GreetInput {
    /// Who to greet.
    #[block_input(placeholder = "Ada")]
    pub name: String,
    /// Greetings to send, one output each.
    #[block_input(default = ["Hello", "Hi"])]
    pub greetings: Vec<String>,
}

/// Outputs of the greeting block.
#[derive(BlockOutput)]
pub enum GreetOutput {
    /// One greeting.
    Greeting(String),
    /// How many greetings were sent.
    GreetingCount(u64),
}

/// Greets someone, several ways.
#[block(id = "5f6f3a34-8f4e-4b8e-9f38-1d2c3b4a5e6f", categories(Basic, Text), tests = greet_cases)]
pub struct GreetBlock;

impl Run for GreetBlock {
    type Input = GreetInput;
    type Output = GreetOutput;
    async fn run(&self, input: GreetInput, _ctx: &RunContext, out: &Emit<GreetOutput>) -> Result<(), BlockError> {
        for greeting in &input.greetings {
            out.emit(GreetOutput::Greeting(format!("{greeting}, {}!", input.name))).await?;
        }
        out.emit(GreetOutput::GreetingCount(input.greetings.len() as u64)).await
    }
}

fn greet_cases() -> Vec<TestCase<GreetBlock>> {
    vec![
        TestCase::new("greets twice", GreetInput { name: "Ada".into(), greetings: vec!["Hi".into(), "Yo".into()] })
            .outputs([
                GreetOutput::Greeting("Hi, Ada!".into()),
                GreetOutput::Greeting("Yo, Ada!".into()),
                GreetOutput::GreetingCount(2),
            ]),
        TestCase::json("uses the default greetings", json!({"name": "Bo"}))
            .output_where(GreetOutput::GREETING, "mentions Bo", |v| v.as_str().is_some_and(|s| s.contains("Bo")))
            .output(GreetOutput::Greeting("Hi, Bo!".into()))
            .output(GreetOutput::GreetingCount(2)),
        TestCase::json("needs a name", json!({})).invalid_input([""]),
    ]
}
