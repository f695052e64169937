//! Blocks that exist only in this test binary: a paid one, a disabled one, a slow
//! one. They register through `inventory` like any other block.

use std::time::Duration;

use block_core::prelude::*;

/// Inputs of [`PaidEchoBlock`].
#[derive(BlockInput)]
pub struct PaidEchoInput {
    /// What to echo.
    pub text: String,
}

/// Outputs of [`PaidEchoBlock`].
#[derive(BlockOutput)]
pub enum PaidEchoOutput {
    /// The text, unchanged.
    Echo(String),
}

/// Echoes its input for a credit a run.
#[block(id = "91c50624-c3e3-42fb-9326-613c5a012425", categories(Basic), cost(run = 1), untested = "server tests")]
pub struct PaidEchoBlock;

impl Run for PaidEchoBlock {
    type Input = PaidEchoInput;
    type Output = PaidEchoOutput;

    async fn run(&self, input: PaidEchoInput, _ctx: &RunContext, out: &Emit<PaidEchoOutput>) -> Result<(), BlockError> {
        out.emit(PaidEchoOutput::Echo(input.text)).await
    }
}

/// Outputs of [`DisabledBlock`].
#[derive(BlockOutput)]
pub enum DisabledOutput {
    /// Never emitted.
    Never(String),
}

/// Registered but switched off.
#[block(id = "cc36dafc-9cd7-4d26-8c49-fd9306ab5a40", categories(Basic), disabled, untested = "server tests")]
pub struct DisabledBlock;

impl Run for DisabledBlock {
    type Input = PaidEchoInput;
    type Output = DisabledOutput;

    async fn run(&self, input: PaidEchoInput, _ctx: &RunContext, out: &Emit<DisabledOutput>) -> Result<(), BlockError> {
        out.emit(DisabledOutput::Never(input.text)).await
    }
}

/// Inputs of [`SlowBlock`].
#[derive(BlockInput)]
pub struct SlowInput {
    /// How long to take.
    pub millis: u64,
}

/// Outputs of [`SlowBlock`].
#[derive(BlockOutput)]
pub enum SlowOutput {
    /// Emitted after the wait.
    Done(u64),
}

/// Waits, then says so.
#[block(id = "2cfc9667-0213-405f-8552-07dac672bac4", categories(Basic), untested = "server tests")]
pub struct SlowBlock;

impl Run for SlowBlock {
    type Input = SlowInput;
    type Output = SlowOutput;

    async fn run(&self, input: SlowInput, _ctx: &RunContext, out: &Emit<SlowOutput>) -> Result<(), BlockError> {
        tokio::time::sleep(Duration::from_millis(input.millis)).await;
        out.emit(SlowOutput::Done(input.millis)).await
    }
}

/// A provider taking usernames and passwords, and host-scoped headers.
#[provider(name = "test_hosts", display_name = "Test hosts", user_password, host_scoped)]
pub struct TestHosts;

/// Inputs of [`PaidTriggerBlock`].
#[derive(BlockInput)]
pub struct PaidTriggerInput {
    /// The delivered event, filled in by the webhook.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of [`PaidTriggerBlock`].
#[derive(BlockOutput)]
pub enum PaidTriggerOutput {
    /// The delivered event.
    Event(Value),
}

/// A trigger costing two credits a run.
#[block(
    id = "6e2b9f41-8c3d-4a7e-b5f0-1d2c3b4a5e6f",
    categories(Input),
    trigger(provider = block_examples::example::Example, events = ["example_event"]),
    cost(run = 2),
    untested = "server tests"
)]
pub struct PaidTriggerBlock;

impl Run for PaidTriggerBlock {
    type Input = PaidTriggerInput;
    type Output = PaidTriggerOutput;
    async fn run(
        &self,
        input: PaidTriggerInput,
        _ctx: &RunContext,
        out: &Emit<PaidTriggerOutput>,
    ) -> Result<(), BlockError> {
        out.emit(PaidTriggerOutput::Event(input.payload)).await
    }
}
