//! One test case: an input and the outputs it must produce.

use std::time::Duration;

use serde_json::Value;

use super::report::{CaseFailure, describe_events};
use crate::executor::OutputEvent;
use crate::http::Exchange;
use crate::{Block, BlockOutput, ExecuteError, Execution};

type Check = Box<dyn Fn(&Value) -> bool + Send + Sync>;

/// One expected output.
pub enum Expect<O> {
    /// Exactly this output (pin and value).
    Output(O),
    /// A value on `pin` that satisfies the predicate, described by `what`.
    Matches {
        /// The pin.
        pin: &'static str,
        /// What the predicate checks, for the failure message.
        what: &'static str,
        /// The predicate.
        check: Check,
    },
    /// The `error` output, whose message contains the text.
    ErrorContaining(String),
}

impl<O: BlockOutput> Expect<O> {
    fn matches(&self, actual: &OutputEvent) -> Result<bool, String> {
        match self {
            Expect::Output(_) => unreachable!("exact outputs are turned into events before matching"),
            Expect::Matches { pin, check, .. } => Ok(actual.name == *pin && check(&actual.value)),
            Expect::ErrorContaining(text) => {
                Ok(actual.is_error() && actual.value.as_str().is_some_and(|message| message.contains(text.as_str())))
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Expect::Output(_) => unreachable!("exact outputs are turned into events before matching"),
            Expect::Matches { pin, what, .. } => format!("{pin}: <{what}>"),
            Expect::ErrorContaining(text) => format!("error: <contains {text:?}>"),
        }
    }
}

enum CaseInput<I> {
    Typed(I),
    Json(Value),
}

enum Outcome<O> {
    Outputs(Vec<Expect<O>>),
    InvalidInput(Vec<&'static str>),
}

/// A named input for block `B` and what it must produce.
///
/// ```ignore
/// TestCase::new("adds", CalcInput { operation: Operation::Add, a: 1.0, b: 2.0 })
///     .output(CalcOutput::Result(3.0))
/// ```
pub struct TestCase<B: Block> {
    pub(super) name: String,
    input: CaseInput<B::Input>,
    outcome: Outcome<B::Output>,
    pub(super) timeout: Option<Duration>,
    pub(super) exchanges: Vec<Exchange>,
    pub(super) delivery: Option<super::delivery::DeliveryCase>,
}

impl<B: Block> TestCase<B> {
    /// A case with a typed input; add the expected outputs with the other methods.
    pub fn new(name: impl Into<String>, input: B::Input) -> Self {
        TestCase {
            name: name.into(),
            input: CaseInput::Typed(input),
            outcome: Outcome::Outputs(Vec::new()),
            timeout: None,
            exchanges: Vec::new(),
            delivery: None,
        }
    }

    /// A case with raw JSON input, for inputs the Rust type cannot express (such as
    /// invalid ones).
    pub fn json(name: impl Into<String>, input: Value) -> Self {
        TestCase {
            name: name.into(),
            input: CaseInput::Json(input),
            outcome: Outcome::Outputs(Vec::new()),
            timeout: None,
            exchanges: Vec::new(),
            delivery: None,
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
    pub fn output_where(
        self,
        pin: &'static str,
        what: &'static str,
        check: impl Fn(&Value) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.expect(Expect::Matches { pin, what, check: Box::new(check) })
    }

    /// Expects the run to fail with a message containing `text`.
    pub fn error_containing(self, text: impl Into<String>) -> Self {
        self.expect(Expect::ErrorContaining(text.into()))
    }

    /// Expects the input to be rejected before the run, with a problem at each of
    /// these JSON pointers (and no others).
    pub fn invalid_input(mut self, paths: impl IntoIterator<Item = &'static str>) -> Self {
        self.outcome = Outcome::InvalidInput(paths.into_iter().collect());
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
        if let Outcome::Outputs(expected) = &mut self.outcome {
            expected.push(expect);
        }
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
    pub(super) fn check_events(self, events: &[OutputEvent]) -> Result<(), CaseFailure> {
        match self.outcome {
            Outcome::Outputs(expected) => compare(&self.name, expected, events),
            Outcome::InvalidInput(_) => {
                Err(CaseFailure::new(&self.name, "a delivery case cannot expect invalid input; expect outputs instead"))
            }
        }
    }

    pub(super) async fn check(self, started: Result<Execution, ExecuteError>) -> Result<(), CaseFailure> {
        let name = self.name;
        match (self.outcome, started) {
            (Outcome::InvalidInput(paths), Err(error)) if error.is_input_problem() => {
                let problems = error.problems();
                let mut actual: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
                let mut wanted = paths.clone();
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
            (Outcome::InvalidInput(paths), Ok(execution)) => {
                let events = collect_events(execution).await;
                Err(CaseFailure::new(
                    &name,
                    format!(
                        "expected the input to be rejected at {paths:?}, but the block ran and emitted:\n{}",
                        describe_events(&events)
                    ),
                ))
            }
            (Outcome::Outputs(_), Err(error)) | (Outcome::InvalidInput(_), Err(error)) => {
                Err(CaseFailure::new(&name, format!("the execution did not start: {error}")))
            }
            (Outcome::Outputs(expected), Ok(execution)) => {
                let actual = collect_events(execution).await;
                compare(&name, expected, &actual)
            }
        }
    }
}

async fn collect_events(mut execution: Execution) -> Vec<OutputEvent> {
    let mut events = Vec::new();
    while let Some(event) = execution.next_event().await {
        events.push(event);
    }
    events
}

/// An expectation with exact outputs already turned into events.
enum Wanted<O> {
    Exact(OutputEvent),
    Other(Expect<O>),
}

fn compare<O: BlockOutput>(name: &str, expected: Vec<Expect<O>>, actual: &[OutputEvent]) -> Result<(), CaseFailure> {
    let mut wanted = Vec::with_capacity(expected.len());
    for expect in expected {
        wanted.push(match expect {
            Expect::Output(output) => Wanted::Exact(output.into_event().map_err(|error| {
                CaseFailure::new(name, format!("an expected output could not be turned into JSON: {error}"))
            })?),
            other => Wanted::Other(other),
        });
    }
    let mut problems = Vec::new();
    for index in 0..wanted.len().max(actual.len()) {
        let want = wanted.get(index);
        let got = actual.get(index);
        let (ok, want_text) = match want {
            Some(Wanted::Exact(event)) => (got == Some(event), format!("{}: {}", event.name, event.value)),
            Some(Wanted::Other(expect)) => {
                let ok = match got {
                    Some(event) => expect.matches(event).map_err(|message| CaseFailure::new(name, message))?,
                    None => false,
                };
                (ok, expect.describe())
            }
            None => (false, "nothing".to_owned()),
        };
        if !ok {
            let got_text = got.map_or_else(|| "nothing".to_owned(), |event| format!("{}: {}", event.name, event.value));
            problems.push(format!("output #{}: expected {want_text}\n               got      {got_text}", index + 1));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CaseFailure::new(name, format!("{}\n  all outputs:\n{}", problems.join("\n  "), describe_events(actual))))
    }
}
