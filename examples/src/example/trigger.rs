//! `ExampleTriggerBlock`: runs on every `example_event` the Example API delivers.

use block_core::prelude::*;

use super::Example;

/// Inputs of [`ExampleTriggerBlock`].
#[derive(BlockInput)]
pub struct ExampleTriggerInput {
    /// The delivered event, filled in by the webhook.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of [`ExampleTriggerBlock`].
#[derive(BlockOutput)]
pub enum ExampleTriggerOutput {
    /// The contents of the example webhook event.
    EventData(Value),
}

/// Triggers on Example API webhook events.
#[block(
    id = "0c0a7e5e-5b0e-4c5b-9b58-2f1f7c9d1e3a",
    categories(Input),
    trigger(provider = Example, events = ["example_event"]),
    tests = example_trigger_cases
)]
pub struct ExampleTriggerBlock;

impl Run for ExampleTriggerBlock {
    type Input = ExampleTriggerInput;
    type Output = ExampleTriggerOutput;

    async fn run(
        &self,
        input: ExampleTriggerInput,
        _ctx: &RunContext,
        out: &Emit<ExampleTriggerOutput>,
    ) -> Result<(), BlockError> {
        out.emit(ExampleTriggerOutput::EventData(input.payload)).await
    }
}

fn config() -> ExampleTriggerInput {
    ExampleTriggerInput { payload: Value::Null }
}

fn example_trigger_cases() -> Vec<TestCase<ExampleTriggerBlock>> {
    let event = json!({"webhook_type": "example_event", "id": "evt_1", "data": {"greeting": "Hello"}});
    let untyped = json!({"id": "evt_2"});
    vec![
        TestCase::delivery("passes a signed event on", config(), "example_event", event.clone())
            .output(ExampleTriggerOutput::EventData(event.clone())),
        TestCase::delivery("treats an untyped body as example_event", config(), "example_event", untyped.clone())
            .output(ExampleTriggerOutput::EventData(untyped)),
        TestCase::delivery(
            "ignores events it is not subscribed to",
            config(),
            "another_example_event",
            json!({"webhook_type": "another_example_event"}),
        ),
        TestCase::delivery("refuses a body changed after signing", config(), "example_event", event.clone()).tampered(),
        TestCase::delivery("refuses an event signed over five minutes ago", config(), "example_event", event)
            .replayed(),
    ]
}
