//! One test case: an input and the outputs it must produce.

use std::time::Duration;

use serde_json::Value;

use super::compare::{collect_events, compare};
use super::expect::{Expect, PinName};
use super::kinds::{DeliveryCase, PollCase, Refusal};
use super::report::{CaseFailure, describe_events};
use crate::http::Exchange;
use crate::{Block, ExecuteError, Execution};

enum CaseInput<I> {
    Typed(I),
    Json(Value),
}

/// A named input for block `B` and what it must produce.
///
/// A case is either run (its outputs are expected, in order) or refused before
/// running ([`invalid_input`](TestCase::invalid_input)); a trigger case delivers a
/// payload ([`delivery`](TestCase::delivery)), possibly [`tampered`](TestCase::tampered).
/// Combinations that contradict each other (outputs expected from an input that
/// is expected to be refused, `tampered()` on a case that delivers nothing, ...)
/// fail the case with a message naming it, rather than being ignored.
///
/// ```ignore
/// TestCase::new("adds", CalcInput { operation: Operation::Add, a: 1.0, b: 2.0 })
///     .output(CalcOutput::Result(3.0))
/// ```
pub struct TestCase<B: Block> {
    pub(super) name: String,
    input: CaseInput<B::Input>,
    pub(super) expected: Vec<Expect<B::Output>>,
    pub(super) rejected_at: Option<Vec<&'static str>>,
    pub(super) timeout: Option<Duration>,
    pub(super) exchanges: Vec<Exchange>,
    pub(super) delivery: Option<DeliveryCase>,
    /// How a delivery case spoils its delivery, expecting it refused.
    pub(super) refusal: Option<Refusal>,
    /// A polling trigger's poll, and what it must find.
    pub(super) poll: Option<PollCase>,
    /// Misuses only the order of calls shows (a setting given twice).
    pub(super) misuse: Vec<String>,
}

impl<B: Block> TestCase<B> {
    /// A case with a typed input; add the expected outputs with the other methods.
    pub fn new(name: impl Into<String>, input: B::Input) -> Self {
        Self::with_input(name.into(), CaseInput::Typed(input))
    }

    /// A case with raw JSON input, for inputs the Rust type cannot express (such as
    /// invalid ones).
    pub fn json(name: impl Into<String>, input: Value) -> Self {
        Self::with_input(name.into(), CaseInput::Json(input))
    }

    fn with_input(name: String, input: CaseInput<B::Input>) -> Self {
        TestCase {
            name,
            input,
            expected: Vec::new(),
            rejected_at: None,
            timeout: None,
            exchanges: Vec::new(),
            delivery: None,
            refusal: None,
            poll: None,
            misuse: Vec::new(),
        }
    }

    /// Expects this exact output next.
    pub fn output(self, output: B::Output) -> Self {
        self.expect(Expect::Output(output))
    }

    /// Expects these exact outputs next, in order.
    pub fn outputs(self, outputs: impl IntoIterator<Item = B::Output>) -> Self {
        outputs.into_iter().fold(self, Self::output)
    }

    /// Expects a value on `pin` for which `check` holds; `what` describes the check.
    /// `pin` is one of the output type's pin constants (`CalcOutput::RESULT`), so a
    /// wrong pin does not compile; or a pin name (`"result"`, `"error"`), which must be
    /// one of the block's pins when the case runs.
    pub fn output_where(
        self,
        pin: impl PinName<B::Output>,
        what: &'static str,
        check: impl Fn(&Value) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.expect(Expect::Matches { pin: pin.pin_name(), what, check: Box::new(check) })
    }

    /// Expects the run to fail with a message containing `text`. The error is the
    /// last output of a run: expect nothing after it.
    pub fn error_containing(self, text: impl Into<String>) -> Self {
        self.expect(Expect::ErrorContaining(text.into()))
    }

    /// Expects the input to be rejected before the run, with a problem at each of
    /// these JSON pointers (and no others; `""` is the whole input). Such a case
    /// runs nothing, so it expects no outputs, HTTP exchanges or timeout.
    pub fn invalid_input(mut self, paths: impl IntoIterator<Item = &'static str>) -> Self {
        if self.rejected_at.is_some() {
            self.misuse.push("`invalid_input` is given twice; list every expected pointer in one call".into());
        }
        self.rejected_at = Some(paths.into_iter().collect());
        self
    }

    /// Declares an HTTP exchange the block must make: its request (method, URL,
    /// optionally body) and the response the mock transport gives. The block's own
    /// client code runs; a request no exchange matches, or an exchange never
    /// requested, fails the case.
    pub fn http(mut self, exchange: Exchange) -> Self {
        self.exchanges.push(exchange);
        self
    }

    /// Bounds this case's run time (30 seconds by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Adds an expectation.
    pub fn expect(mut self, expect: Expect<B::Output>) -> Self {
        self.expected.push(expect);
        self
    }

    pub(super) fn input_json(&self) -> Result<Value, String> {
        match &self.input {
            CaseInput::Typed(input) => {
                serde_json::to_value(input).map_err(|error| format!("the input could not be turned into JSON: {error}"))
            }
            CaseInput::Json(value) => Ok(value.clone()),
        }
    }

    /// Checks the events of a run that happened some other way (a delivery).
    pub(super) fn check_events(self, events: &[crate::OutputEvent]) -> Result<(), CaseFailure> {
        compare(&self.name, self.expected, events)
    }

    pub(super) async fn check(self, started: Result<Execution, ExecuteError>) -> Result<(), CaseFailure> {
        let name = self.name;
        match (self.rejected_at, started) {
            (Some(paths), Err(error)) if error.is_input_problem() => {
                let problems = error.problems();
                let mut actual: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
                let mut wanted = paths;
                actual.sort_unstable();
                actual.dedup();
                wanted.sort_unstable();
                if actual == wanted {
                    Ok(())
                } else {
                    Err(CaseFailure::new(
                        &name,
                        format!(
                            "expected input problems at {wanted:?}, got {}",
                            crate::registry::InputProblem::join(problems)
                        ),
                    ))
                }
            }
            (Some(paths), Ok(execution)) => {
                let events = collect_events(execution).await;
                Err(CaseFailure::new(
                    &name,
                    format!(
                        "expected the input to be rejected at {paths:?}, but the block ran and emitted:\n{}",
                        describe_events(&events)
                    ),
                ))
            }
            (_, Err(error)) => Err(CaseFailure::new(&name, format!("the execution did not start: {error}"))),
            (None, Ok(execution)) => {
                let actual = collect_events(execution).await;
                compare(&name, self.expected, &actual)
            }
        }
    }
}
