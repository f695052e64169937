//! Blocks that exist only in this test binary: one that emits several outputs
//! over time, one that fails, and one that needs Example credentials.

use std::time::Duration;

use block_core::prelude::*;

/// Inputs of [`TickerBlock`].
#[derive(BlockInput)]
pub struct TickerInput {
    /// How many ticks to emit.
    #[block_input(max = 100)]
    pub ticks: u64,
    /// The pause before each tick, in milliseconds.
    #[block_input(default = 20)]
    pub pause_ms: u64,
}

/// Outputs of [`TickerBlock`].
#[derive(BlockOutput)]
pub enum TickerOutput {
    /// One tick, counting from 1.
    Tick(u64),
    /// How many ticks were emitted.
    Total(u64),
}

/// Emits a tick at a time, then the total; a credit a run.
#[block(id = "0d9c1f6e-4b8a-4c3e-9f2a-7e5b6c4d3a21", categories(Basic), cost(run = 1), untested = "server MCP tests")]
pub struct TickerBlock;

impl Run for TickerBlock {
    type Input = TickerInput;
    type Output = TickerOutput;

    async fn run(&self, input: TickerInput, _ctx: &RunContext, out: &Emit<TickerOutput>) -> Result<(), BlockError> {
        for tick in 1..=input.ticks {
            tokio::time::sleep(Duration::from_millis(input.pause_ms)).await;
            out.emit(TickerOutput::Tick(tick)).await?;
        }
        out.emit(TickerOutput::Total(input.ticks)).await
    }
}

/// Inputs of [`RefusingBlock`].
#[derive(BlockInput)]
pub struct RefusingInput {
    /// Why to fail.
    pub reason: String,
}

/// Outputs of [`RefusingBlock`].
#[derive(BlockOutput)]
#[allow(dead_code)]
pub enum RefusingOutput {
    /// Never emitted.
    Never(String),
}

/// Always fails, with the reason it was given.
#[block(id = "5a7e3c1b-2d4f-4e6a-8b9c-0d1e2f3a4b5c", categories(Basic), untested = "server MCP tests")]
pub struct RefusingBlock;

impl Run for RefusingBlock {
    type Input = RefusingInput;
    type Output = RefusingOutput;

    async fn run(
        &self,
        input: RefusingInput,
        _ctx: &RunContext,
        _out: &Emit<RefusingOutput>,
    ) -> Result<(), BlockError> {
        Err(BlockError::new(input.reason))
    }
}

/// Inputs of [`KeyedEchoBlock`].
#[derive(BlockInput)]
pub struct KeyedEchoInput {
    /// What to echo.
    pub text: String,
    /// The caller's Example key.
    pub credentials: Credentials<block_examples::example::Example, ApiKey>,
}

/// Outputs of [`KeyedEchoBlock`].
#[derive(BlockOutput)]
pub enum KeyedEchoOutput {
    /// The text.
    Echo(String),
    /// The id of the credentials the run was given (never the key).
    CredentialsId(String),
}

/// Echoes its text and names the credentials it ran with.
#[block(id = "8c2b4d6f-1a3e-4f5b-9c7d-2e4f6a8b0c1d", categories(Basic), untested = "server MCP tests")]
pub struct KeyedEchoBlock;

impl Run for KeyedEchoBlock {
    type Input = KeyedEchoInput;
    type Output = KeyedEchoOutput;

    async fn run(
        &self,
        input: KeyedEchoInput,
        _ctx: &RunContext,
        out: &Emit<KeyedEchoOutput>,
    ) -> Result<(), BlockError> {
        out.emit(KeyedEchoOutput::Echo(input.text)).await?;
        out.emit(KeyedEchoOutput::CredentialsId(input.credentials.meta().id.clone())).await
    }
}
