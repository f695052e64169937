//! A service of its own, embedding `block-server` with only its own blocks: the
//! library gives it the whole server (first-start key, API, OAuth, storage) in
//! one call, [`block_server::serve`], over the [`registry`] it builds by hand.
//! No ready-made block is linked or listed: this crate depends on `block-server`
//! without its default `bundled-blocks` feature.
//!
//! `cargo run -p block-embedded-example` serves on `127.0.0.1:8001` with its data
//! in `./data-embedded`.

use block_core::prelude::*;
use block_core::{Registry, RegistryError};

/// Inputs of the shouting block.
#[derive(BlockInput)]
pub struct ShoutInput {
    /// What to shout.
    #[block_input(placeholder = "hello")]
    pub text: String,
}

/// Outputs of the shouting block.
#[derive(BlockOutput)]
pub enum ShoutOutput {
    /// The text in capitals, with an exclamation mark.
    Shouted(String),
}

/// Shouts the text it is given.
#[block(id = "21779ba4-6236-4755-a0bb-21e54b6b63ca", categories(Text), tests = shout_cases)]
pub struct ShoutBlock;

impl Run for ShoutBlock {
    type Input = ShoutInput;
    type Output = ShoutOutput;

    async fn run(&self, input: ShoutInput, _ctx: &RunContext, out: &Emit<ShoutOutput>) -> Result<(), BlockError> {
        out.emit(ShoutOutput::Shouted(format!("{}!", input.text.to_uppercase()))).await
    }
}

fn shout_cases() -> Vec<TestCase<ShoutBlock>> {
    vec![
        TestCase::new("shouts in capitals", ShoutInput { text: "hello".into() })
            .output(ShoutOutput::Shouted("HELLO!".into())),
    ]
}

/// This service's blocks, and only them.
pub fn registry() -> Result<Registry, RegistryError> {
    Registry::builder().block::<ShoutBlock>().build()
}
