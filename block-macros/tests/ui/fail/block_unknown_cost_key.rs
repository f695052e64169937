use block_core::prelude::*;

/// Inputs.
#[derive(BlockInput)]
pub struct In {
    /// A value.
    pub value: u32,
}

/// Outputs.
#[derive(BlockOutput)]
pub enum Out {
    /// The value.
    Value(u32),
}

/// Costs per minute, which is not a unit.
#[block(id = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4e3d2c1b", categories(Basic), cost(minute = 1), untested = "fails to build")]
pub struct CostlyBlock;

impl Run for CostlyBlock {
    type Input = In;
    type Output = Out;
    async fn run(&self, input: In, _ctx: &RunContext, out: &Emit<Out>) -> Result<(), BlockError> {
        out.emit(Out::Value(input.value)).await
    }
}

fn main() {}
