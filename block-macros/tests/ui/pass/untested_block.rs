//! `untested = "reason"` registers a block without cases; it still has a full
//! descriptor and registers.

use block_core::prelude::*;
use block_core::{BlockTests, Registry};

/// Inputs of the device block.
#[derive(BlockInput)]
pub struct ReadInput {
    /// The device to read.
    pub device: String,
}

#[derive(BlockOutput)]
pub enum ReadOutput {
    /// The reading.
    Reading(f64),
}

/// Reads a sensor.
#[block(id = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a", categories(Hardware), untested = "needs a live device", disabled)]
pub struct ReadBlock;

impl Run for ReadBlock {
    type Input = ReadInput;
    type Output = ReadOutput;
    async fn run(&self, input: ReadInput, _ctx: &RunContext, _out: &Emit<ReadOutput>) -> Result<(), BlockError> {
        Err(BlockError::new(format!("no device `{}` here", input.device)))
    }
}

fn main() {
    let descriptor = <ReadBlock as Block>::DESCRIPTOR;
    assert!(matches!(descriptor.tests, BlockTests::Untested("needs a live device")));
    assert!(descriptor.disabled);
    let failure = block_core::testing::run_block_cases::<ReadBlock>().expect_err("an untested block has no cases");
    assert!(failure.to_string().contains("no test cases (untested: needs a live device)"), "{failure}");

    let registry = Registry::builder().block::<ReadBlock>().build().expect("the block is valid");
    assert!(registry.by_id(descriptor.id).is_some());
}
