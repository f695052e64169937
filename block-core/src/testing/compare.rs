//! Matching a run's events against a case's expectations, output by output.

use super::expect::Expect;
use super::report::{CaseFailure, describe_events};
use crate::executor::OutputEvent;
use crate::{BlockOutput, Execution};

/// Every event of `execution`, in order, until it ends.
pub(super) async fn collect_events(mut execution: Execution) -> Vec<OutputEvent> {
    let mut events = Vec::new();
    while let Some(event) = execution.next_event().await {
        events.push(event);
    }
    events
}

/// An expectation in the form events are matched against: exact outputs turned
/// into their events once, before matching.
enum Wanted {
    Exact(OutputEvent),
    Matches { pin: &'static str, what: &'static str, check: Box<dyn Fn(&serde_json::Value) -> bool + Send + Sync> },
    ErrorContaining(String),
}

impl Wanted {
    fn from_expect<O: BlockOutput>(expect: Expect<O>) -> Result<Self, String> {
        Ok(match expect {
            Expect::Output(output) => Wanted::Exact(
                output
                    .into_event()
                    .map_err(|error| format!("an expected output could not be turned into JSON: {error}"))?,
            ),
            Expect::Matches { pin, what, check } => Wanted::Matches { pin, what, check },
            Expect::ErrorContaining(text) => Wanted::ErrorContaining(text),
        })
    }

    fn matches(&self, actual: &OutputEvent) -> bool {
        match self {
            Wanted::Exact(event) => actual == event,
            Wanted::Matches { pin, check, .. } => actual.name == *pin && check(&actual.value),
            Wanted::ErrorContaining(text) => {
                actual.is_error() && actual.value.as_str().is_some_and(|message| message.contains(text.as_str()))
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Wanted::Exact(event) => format!("{}: {}", event.name, event.value),
            Wanted::Matches { pin, what, .. } => format!("{pin}: <{what}>"),
            Wanted::ErrorContaining(text) => format!("error: <contains {text:?}>"),
        }
    }
}

/// Compares `actual` with `expected` position by position; a missing or extra
/// output fails, and the failure shows expected against actual.
pub(super) fn compare<O: BlockOutput>(
    name: &str,
    expected: Vec<Expect<O>>,
    actual: &[OutputEvent],
) -> Result<(), CaseFailure> {
    let wanted = expected
        .into_iter()
        .map(Wanted::from_expect)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| CaseFailure::new(name, message))?;
    let mut problems = Vec::new();
    for index in 0..wanted.len().max(actual.len()) {
        let want = wanted.get(index);
        let got = actual.get(index);
        let ok = match (want, got) {
            (Some(want), Some(got)) => want.matches(got),
            _ => false,
        };
        if !ok {
            let want_text = want.map_or_else(|| "nothing".to_owned(), Wanted::describe);
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
