//! Waits, then passes a value on.

use std::time::Duration;

use block_core::prelude::*;

/// The longest wait, so a run cannot hold its place for hours; longer pauses
/// belong to a schedule.
const MAX_SECONDS: f64 = 3600.0;

/// Inputs of `DelayBlock`.
#[derive(BlockInput)]
pub struct DelayInput {
    /// How long to wait, in seconds (fractions allowed), at most an hour.
    #[block_input(default = 1.0, min = 0, max = 3600, advanced = false)]
    pub seconds: f64,
    /// The value to pass on once the time is up.
    #[block_input(default = null)]
    pub data: Value,
}

/// Outputs of `DelayBlock`.
#[derive(BlockOutput)]
pub enum DelayOutput {
    /// `data`, once the time is up.
    Output(Value),
}

/// Waits for a number of seconds (at most an hour), then passes `data` on.
/// Stopping the run ends the wait at once; the run's own time limit applies too.
#[block(id = "c88cabfc-7bd8-42c8-8796-78bd057509b4", categories(Logic), tests = delay_cases)]
pub struct DelayBlock;

impl Run for DelayBlock {
    type Input = DelayInput;
    type Output = DelayOutput;

    async fn run(&self, input: DelayInput, _ctx: &RunContext, out: &Emit<DelayOutput>) -> Result<(), BlockError> {
        // The schema bounds the input; this guards callers that skip validation.
        if !(0.0..=MAX_SECONDS).contains(&input.seconds) {
            return Err(BlockError::new(format!("input `seconds` must be from 0 to {MAX_SECONDS}")));
        }
        // A timer, not a blocked thread: dropping the run (a stop, a time-out) drops it.
        tokio::time::sleep(Duration::from_secs_f64(input.seconds)).await;
        out.emit(DelayOutput::Output(input.data)).await
    }
}

fn delay_cases() -> Vec<TestCase<DelayBlock>> {
    vec![
        TestCase::json("passes the data on after the wait", json!({"seconds": 0.01, "data": {"id": 7}}))
            .output(DelayOutput::Output(json!({"id": 7}))),
        TestCase::json("a zero wait passes at once", json!({"seconds": 0})).output(DelayOutput::Output(Value::Null)),
        TestCase::json("a wait longer than the run's time limit is cut off", json!({"seconds": 60}))
            .timeout(Duration::from_millis(50))
            .error_containing("the block did not finish within"),
        TestCase::json("waits of more than an hour are refused", json!({"seconds": 3601})).invalid_input(["/seconds"]),
        TestCase::json("negative waits are refused", json!({"seconds": -1})).invalid_input(["/seconds"]),
    ]
}
