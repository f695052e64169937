//! Behaviour of the test harness itself: what passes, what fails, and what a
//! failure says.

use block_core::prelude::*;
use block_core::testing::{run_block_cases, run_cases};

/// Input of the doubling block.
#[derive(BlockInput)]
pub struct DoubleInput {
    /// The number to double.
    pub n: i64,
}

/// Outputs of the doubling block.
#[derive(BlockOutput)]
pub enum DoubleOutput {
    /// Twice the input.
    Doubled(i64),
    /// Whether the input was negative.
    WasNegative(bool),
}

/// Doubles a number; refuses zero.
#[block(id = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", categories(Basic), untested = "cases are given in this file")]
pub struct DoubleBlock;

impl Run for DoubleBlock {
    type Input = DoubleInput;
    type Output = DoubleOutput;
    async fn run(&self, input: DoubleInput, _ctx: &RunContext, out: &Emit<DoubleOutput>) -> Result<(), BlockError> {
        if input.n == 0 {
            return Err(BlockError::new("zero is not allowed"));
        }
        out.emit(DoubleOutput::Doubled(input.n * 2)).await?;
        out.emit(DoubleOutput::WasNegative(input.n < 0)).await
    }
}

#[test]
fn matching_cases_pass_and_are_counted() {
    let cases = vec![
        TestCase::new("doubles", DoubleInput { n: 2 })
            .outputs([DoubleOutput::Doubled(4), DoubleOutput::WasNegative(false)]),
        TestCase::new("predicates", DoubleInput { n: -3 })
            .output_where(DoubleOutput::DOUBLED, "is -6", |v| v == &json!(-6))
            .output(DoubleOutput::WasNegative(true)),
        TestCase::new("errors", DoubleInput { n: 0 }).error_containing("zero"),
        TestCase::json("refuses text", json!({"n": "two"})).invalid_input(["/n"]),
    ];
    assert_eq!(run_cases::<DoubleBlock>(cases).expect("all pass"), 4);
}

#[test]
fn a_wrong_value_shows_expected_and_actual_for_that_output() {
    let cases = vec![
        TestCase::new("wrong", DoubleInput { n: 2 })
            .outputs([DoubleOutput::Doubled(5), DoubleOutput::WasNegative(false)]),
    ];
    let failure = run_cases::<DoubleBlock>(cases).expect_err("5 is wrong").to_string();
    assert!(failure.contains("case \"wrong\""), "{failure}");
    assert!(failure.contains("output #1: expected doubled: 5"), "{failure}");
    assert!(failure.contains("got      doubled: 4"), "{failure}");
    assert!(!failure.contains("output #2"), "only the wrong output is reported: {failure}");
}

#[test]
fn missing_and_extra_outputs_fail() {
    let missing = vec![TestCase::new("too few", DoubleInput { n: 1 }).output(DoubleOutput::Doubled(2))];
    let failure = run_cases::<DoubleBlock>(missing).expect_err("extra output").to_string();
    assert!(failure.contains("output #2: expected nothing"), "{failure}");

    let extra = vec![TestCase::new("too many", DoubleInput { n: 1 }).outputs([
        DoubleOutput::Doubled(2),
        DoubleOutput::WasNegative(false),
        DoubleOutput::Doubled(2),
    ])];
    let failure = run_cases::<DoubleBlock>(extra).expect_err("missing output").to_string();
    assert!(failure.contains("output #3: expected doubled: 2"), "{failure}");
    assert!(failure.contains("got      nothing"), "{failure}");
}

#[test]
fn an_unexpected_error_or_a_wrong_rejection_fails() {
    let cases = vec![
        TestCase::new("expects success", DoubleInput { n: 0 }).output(DoubleOutput::Doubled(0)),
        TestCase::json("expects rejection", json!({"n": 1})).invalid_input(["/n"]),
        TestCase::json("expects success on bad input", json!({"n": []})).output(DoubleOutput::Doubled(0)),
    ];
    let failure = run_cases::<DoubleBlock>(cases).expect_err("all three fail").to_string();
    assert!(failure.contains("3 case(s) failed"), "{failure}");
    assert!(failure.contains("error: \"zero is not allowed\""), "{failure}");
    assert!(failure.contains("the block ran"), "{failure}");
    assert!(failure.contains("did not start"), "{failure}");
}

#[test]
fn an_empty_case_list_is_a_failure() {
    let failure = run_cases::<DoubleBlock>(Vec::new()).expect_err("no cases").to_string();
    assert!(failure.contains("no cases"), "{failure}");
}

#[test]
fn a_block_without_cases_is_an_error() {
    let failure = run_block_cases::<DoubleBlock>().expect_err("untested, so nothing ran").to_string();
    assert!(failure.contains("DoubleBlock: the block has no test cases"), "{failure}");
    assert!(failure.contains("cases are given in this file"), "the reason it gave is shown: {failure}");
}

/// Runs one case that must be refused before running, and returns the message.
fn refusal(case: TestCase<DoubleBlock>) -> String {
    let failure = run_cases::<DoubleBlock>(vec![case]).expect_err("refused").to_string();
    assert!(failure.contains("the case contradicts itself"), "{failure}");
    failure
}

#[test]
fn invalid_input_then_outputs_is_refused() {
    for (name, case) in [
        (
            "rejects then doubles",
            TestCase::json("rejects then doubles", json!({"n": "x"}))
                .invalid_input(["/n"])
                .output(DoubleOutput::Doubled(2)),
        ),
        (
            "doubles then rejects",
            TestCase::json("doubles then rejects", json!({"n": "x"}))
                .output(DoubleOutput::Doubled(2))
                .invalid_input(["/n"]),
        ),
    ] {
        let failure = refusal(case);
        assert!(failure.contains(&format!("case {name:?}")), "the case is named: {failure}");
        assert!(failure.contains("outputs are expected too"), "{failure}");
    }
}

#[test]
fn tampered_on_a_case_that_delivers_nothing_is_refused() {
    let failure = refusal(TestCase::new("not a delivery", DoubleInput { n: 1 }).tampered());
    assert!(failure.contains("`tampered()` alters a delivery; this case delivers nothing"), "{failure}");
}

#[test]
fn a_case_that_runs_nothing_cannot_expect_exchanges_or_a_timeout() {
    let failure = refusal(
        TestCase::json("rejected with extras", json!({"n": []}))
            .invalid_input(["/n"])
            .http(Exchange::get("https://api.test/never"))
            .timeout(std::time::Duration::from_secs(1)),
    );
    assert!(failure.contains("1 HTTP exchange(s) are declared, but this case runs nothing"), "{failure}");
    assert!(failure.contains("a timeout is set, but this case runs nothing"), "{failure}");
}

#[test]
fn invalid_input_twice_or_without_a_pointer_is_refused() {
    let failure = refusal(TestCase::json("twice", json!({"n": "x"})).invalid_input(["/n"]).invalid_input([""]));
    assert!(failure.contains("`invalid_input` is given twice"), "{failure}");
    let failure = refusal(TestCase::json("no pointer", json!({"n": "x"})).invalid_input([]));
    assert!(failure.contains("`invalid_input` names no JSON pointer"), "{failure}");
}

#[test]
fn outputs_after_the_error_or_on_an_unknown_pin_are_refused() {
    let failure = refusal(
        TestCase::new("error first", DoubleInput { n: 0 }).error_containing("zero").output(DoubleOutput::Doubled(0)),
    );
    assert!(failure.contains("expected output #1 is the error, but 1 more output(s)"), "{failure}");
    let failure = refusal(TestCase::new("typo", DoubleInput { n: 1 }).output_where("dubled", "is 2", |v| v == 2));
    assert!(failure.contains("pin `dubled`, which DoubleBlock does not have (its pins: doubled, was_negative, error)"));
}

#[test]
fn a_contradiction_fails_only_its_own_case() {
    let cases = vec![
        TestCase::new("fine", DoubleInput { n: 1 })
            .outputs([DoubleOutput::Doubled(2), DoubleOutput::WasNegative(false)]),
        TestCase::new("confused", DoubleInput { n: 1 }).tampered(),
    ];
    let failure = run_cases::<DoubleBlock>(cases).expect_err("one case is refused").to_string();
    assert!(failure.contains("1 case(s) failed") && failure.contains("case \"confused\""), "{failure}");
}

/// Input of the sleeping block.
#[derive(BlockInput)]
pub struct NapInput {
    /// How long to hold the thread, in milliseconds.
    pub millis: u64,
}

/// Outputs of the sleeping block.
#[derive(BlockOutput)]
pub enum NapOutput {
    /// Always `true`.
    Woke(bool),
}

/// Sleeps on its thread (the mistake), or yields to the runtime when asked to
/// sleep 0 ms (the right way round).
#[block(id = "b7c1d2e3-f4a5-4b6c-9d7e-8f9a0b1c2d3e", categories(Basic), untested = "cases are given in this file")]
pub struct NapBlock;

impl Run for NapBlock {
    type Input = NapInput;
    type Output = NapOutput;
    async fn run(&self, input: NapInput, _ctx: &RunContext, out: &Emit<NapOutput>) -> Result<(), BlockError> {
        std::thread::sleep(std::time::Duration::from_millis(input.millis));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        out.emit(NapOutput::Woke(true)).await
    }
}

#[test]
fn a_block_that_holds_its_thread_fails_its_case_with_the_fix() {
    let cases = vec![TestCase::new("blocks the thread", NapInput { millis: 600 }).output(NapOutput::Woke(true))];
    let failure = run_cases::<NapBlock>(cases).expect_err("a blocking sleep is caught").to_string();
    assert!(failure.contains("held its thread for"), "{failure}");
    assert!(failure.contains("tokio::task::spawn_blocking"), "{failure}");
    // Waiting asynchronously, longer than the limit in total, is fine.
    let cases = vec![TestCase::new("awaits", NapInput { millis: 0 }).output(NapOutput::Woke(true))];
    assert_eq!(run_cases::<NapBlock>(cases).expect("an .await is not blocking"), 1);
}
