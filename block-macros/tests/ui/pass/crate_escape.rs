//! `crate = ...` lets a crate that re-exports block-core under another path use the
//! macros: the generated code names only that path.

mod framework {
    pub use block_core::*;
}

use framework::{BlockError, RunContext, Emit, Run};

/// How to greet.
#[derive(framework::BlockEnum)]
#[block_value(crate = crate::framework)]
pub enum Style {
    Formal,
    Casual,
}

/// Inputs of the greeting block.
#[derive(framework::BlockInput)]
#[block_input(crate = crate::framework)]
pub struct GreetInput {
    /// Who to greet.
    pub name: String,
    /// How to greet.
    #[block_input(default = Style::Casual)]
    pub style: Style,
}

#[derive(framework::BlockOutput)]
#[block_output(crate = "crate::framework")]
pub enum GreetOutput {
    /// The greeting.
    Greeting(String),
}

/// Greets someone.
#[framework::block(
    id = "9d1e7c52-6b3a-4f08-b2c4-7e5a1d3f9c60",
    categories(Basic),
    tests = greet_cases,
    crate = crate::framework,
)]
pub struct GreetBlock;

impl Run for GreetBlock {
    type Input = GreetInput;
    type Output = GreetOutput;
    async fn run(&self, input: GreetInput, _ctx: &RunContext, out: &Emit<GreetOutput>) -> Result<(), BlockError> {
        let greeting = match input.style {
            Style::Formal => format!("Good day, {}.", input.name),
            Style::Casual => format!("Hi, {}!", input.name),
        };
        out.emit(GreetOutput::Greeting(greeting)).await
    }
}

fn greet_cases() -> Vec<framework::TestCase<GreetBlock>> {
    vec![
        framework::TestCase::new("greets formally", GreetInput { name: "Ada".into(), style: Style::Formal })
            .output(GreetOutput::Greeting("Good day, Ada.".into())),
        framework::TestCase::json("greets casually by default", framework::json!({ "name": "Ada" }))
            .output(GreetOutput::Greeting("Hi, Ada!".into())),
    ]
}

fn main() {
    let schema = (<GreetBlock as framework::Block>::DESCRIPTOR.input_schema)();
    assert_eq!(schema["properties"]["style"]["default"], "casual");
    assert_eq!(framework::testing::run_block_cases::<GreetBlock>().map_err(|e| e.to_string()), Ok(2));
}
