use block_core::prelude::*;

/// Inputs of a feed trigger.
#[derive(BlockInput)]
pub struct In {
    /// The feed.
    pub url: String,
    /// The item.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs.
#[derive(BlockOutput)]
pub enum Out {
    /// The item.
    Item(Value),
}

/// Says it polls, but never says how.
#[block(id = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c31", categories(Input), trigger(poll(every = "15m")), untested = "does not build")]
pub struct FeedTriggerBlock;

impl Run for FeedTriggerBlock {
    type Input = In;
    type Output = Out;
    async fn run(&self, input: In, _ctx: &RunContext, out: &Emit<Out>) -> Result<(), BlockError> {
        out.emit(Out::Item(input.payload)).await
    }
}

fn main() {}
