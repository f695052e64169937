//! Poll cases of the test harness: a polling trigger's poll runs through the real
//! executor and the framework's dedupe, and a wrong expectation fails the case
//! saying what was found.

use block_core::polling::PollCursor;
use block_core::prelude::*;
use block_core::testing::run_cases;

/// Inputs of the counter trigger.
#[derive(BlockInput)]
pub struct CountInput {
    /// How many items the service lists, newest (highest) first.
    pub listed: u32,
    /// The item.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of the counter trigger.
#[derive(BlockOutput)]
pub enum CountOutput {
    /// The item.
    Item(Value),
}

/// Lists items `listed` down to 1; fails its poll when told to list none.
#[block(
    id = "2b8f6c1e-7d4a-4e9b-8c3f-5a1d9e7b6c40",
    categories(Input),
    trigger(poll(every = "1m")),
    untested = "cases below"
)]
pub struct CountTriggerBlock;

impl Poll for CountTriggerBlock {
    async fn poll(&self, input: &CountInput, _ctx: &RunContext) -> Result<Vec<PolledItem>, BlockError> {
        if input.listed == 0 {
            return Err(BlockError::new("the service lists nothing today"));
        }
        Ok((1..=input.listed).rev().map(|n| PolledItem::new(n.to_string(), json!(n))).collect())
    }
}

impl Run for CountTriggerBlock {
    type Input = CountInput;
    type Output = CountOutput;
    async fn run(&self, input: CountInput, _ctx: &RunContext, out: &Emit<CountOutput>) -> Result<(), BlockError> {
        out.emit(CountOutput::Item(input.payload)).await
    }
}

fn listing(listed: u32) -> CountInput {
    CountInput { listed, payload: Value::Null }
}

fn newest(id: &str) -> PollCursor {
    PollCursor::NewestId { id: Some(id.to_owned()) }
}

#[test]
fn poll_cases_check_the_new_items_and_the_cursor() {
    let cases = vec![
        TestCase::poll("the first poll seeds", listing(2)).finds([]).cursor(newest("2")),
        TestCase::poll("new items, oldest first", listing(4)).after(newest("2")).finds(["3", "4"]).cursor(newest("4")),
        TestCase::poll("a failing poll", listing(0)).after(newest("2")).error_containing("lists nothing"),
    ];
    assert_eq!(run_cases::<CountTriggerBlock>(cases).expect("all pass"), 3);
}

#[test]
fn a_wrong_expectation_fails_naming_what_the_poll_found() {
    let cases = vec![
        TestCase::poll("wrong items", listing(4)).after(newest("2")).finds(["4", "3"]),
        TestCase::poll("wrong cursor", listing(4)).after(newest("2")).finds(["3", "4"]).cursor(newest("3")),
        TestCase::poll("unexpected failure", listing(0)).finds([]),
        TestCase::poll("unexpected success", listing(1)).error_containing("lists nothing"),
    ];
    let failure = run_cases::<CountTriggerBlock>(cases).expect_err("all four fail").to_string();
    assert!(failure.contains(r#"expected new items ["4", "3"], found ["3", "4"]"#), "{failure}");
    assert!(failure.contains("expected the cursor"), "{failure}");
    assert!(failure.contains("the poll failed: the service lists nothing today"), "{failure}");
    assert!(failure.contains("it found 1 item(s)"), "{failure}");
}

#[test]
fn a_poll_case_that_expects_nothing_or_outputs_is_refused() {
    let cases = vec![
        TestCase::poll("expects nothing", listing(1)),
        TestCase::poll("expects outputs", listing(1)).output(CountOutput::Item(json!(1))),
        TestCase::new("not a poll", listing(1)).finds(["1"]),
    ];
    let failure = run_cases::<CountTriggerBlock>(cases).expect_err("all refused").to_string();
    assert!(failure.contains("the case expects nothing of the poll"), "{failure}");
    assert!(failure.contains("a poll emits no outputs"), "{failure}");
    assert!(failure.contains("start the case with `TestCase::poll`"), "{failure}");
}
