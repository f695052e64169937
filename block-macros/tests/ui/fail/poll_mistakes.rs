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

/// Polls too often, with a strategy that does not exist.
#[block(id = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2e", categories(Input), trigger(poll(every = "5s", dedupe = newest)), untested = "does not build")]
pub struct TooEagerBlock;

/// Polls with an interval in no unit, and events besides.
#[block(id = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2f", categories(Input), trigger(events = ["x"], poll(every = "often")), untested = "does not build")]
pub struct VagueBlock;

/// Says nothing of its interval.
#[block(id = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c30", categories(Input), trigger(poll(dedupe = timestamp)), untested = "does not build")]
pub struct SilentBlock;

macro_rules! run_item {
    ($($block:ident),*) => {$(
        impl Run for $block {
            type Input = In;
            type Output = Out;
            async fn run(&self, input: In, _ctx: &RunContext, out: &Emit<Out>) -> Result<(), BlockError> {
                out.emit(Out::Item(input.payload)).await
            }
        }
    )*};
}
run_item!(TooEagerBlock, VagueBlock, SilentBlock);

fn main() {}
