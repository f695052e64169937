use block_core::prelude::*;

/// Events to run on, one of them wrongly typed.
#[derive(BlockInput)]
pub struct Events {
    /// Opened.
    #[block_input(default = false)]
    pub opened: bool,
    /// Not a flag.
    pub label: String,
}

/// Inputs of a trigger.
#[derive(BlockInput)]
pub struct In {
    /// Which events.
    #[block_input(event_filter)]
    pub events: Events,
    /// The event.
    #[block_input(hidden)]
    pub payload: Value,
}

fn main() {}
