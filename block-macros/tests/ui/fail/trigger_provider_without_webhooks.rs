use block_core::prelude::*;

/// A service that sends no webhooks.
#[provider(name = "quiet", api_key)]
pub struct Quiet;

/// Inputs of the trigger.
#[derive(BlockInput)]
pub struct In {
    /// The event.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs.
#[derive(BlockOutput)]
pub enum Out {
    /// The event.
    Event(Value),
}

/// Waits for events that never come.
#[block(id = "7b6c5d4e-3f2a-4b1c-8d9e-0f1a2b3c4d5e", categories(Input), trigger(provider = Quiet, events = ["x"]), untested = "does not build")]
pub struct QuietTriggerBlock;

impl Run for QuietTriggerBlock {
    type Input = In;
    type Output = Out;
    async fn run(&self, input: In, _ctx: &RunContext, out: &Emit<Out>) -> Result<(), BlockError> {
        out.emit(Out::Event(input.payload)).await
    }
}

fn main() {}
