//! Cases whose settings contradict each other: refused with a message naming the
//! case, before anything runs, instead of having part of them silently ignored.

use super::case::TestCase;
use super::expect::Expect;
use super::report::CaseFailure;
use crate::executor::OutputEvent;
use crate::{Block, BlockOutput};

impl<B: Block> TestCase<B> {
    /// Every contradiction in how this case was built, as one failure naming the
    /// case, or `None` when it can run.
    pub(super) fn contradictions(&self) -> Option<CaseFailure> {
        let mut found = self.misuse.clone();
        let outputs = !self.expected.is_empty();
        let runs_nothing = self.rejected_at.is_some() || self.refusal.is_some();
        if let Some(paths) = &self.rejected_at {
            if outputs {
                found.push(
                    "`invalid_input` expects the input to be refused before the run, which then emits nothing, yet \
                     outputs are expected too; keep one of the two"
                        .into(),
                );
            }
            if paths.is_empty() {
                found.push(
                    "`invalid_input` names no JSON pointer; list where the problems are (\"\" for the whole input)"
                        .into(),
                );
            }
            if self.delivery.is_some() {
                found.push(
                    "a delivery case runs the trigger with the delivered payload; it cannot expect invalid input \
                     (expect outputs, or a `tampered()` refusal)"
                        .into(),
                );
            }
        }
        if let Some(refusal) = self.refusal {
            if self.delivery.is_none() {
                found.push(format!(
                    "`{}` alters a delivery; this case delivers nothing (use `TestCase::delivery`)",
                    refusal.call()
                ));
            }
            if outputs {
                found.push(format!("{} is refused and runs nothing, yet outputs are expected", refusal.describe()));
            }
        }
        if runs_nothing && !self.exchanges.is_empty() {
            found.push(format!(
                "{} HTTP exchange(s) are declared, but this case runs nothing, so none can be requested",
                self.exchanges.len()
            ));
        }
        if runs_nothing && self.timeout.is_some() {
            found.push("a timeout is set, but this case runs nothing, so it would never apply".into());
        }
        found.extend(self.expectation_problems());
        found.extend(self.poll_contradictions());
        if found.is_empty() {
            return None;
        }
        Some(CaseFailure::new(&self.name, format!("the case contradicts itself:\n  - {}", found.join("\n  - "))))
    }

    /// Expectations no run can meet: an unknown pin, or anything after the error
    /// (the executor emits the error once, as the last output).
    fn expectation_problems(&self) -> Vec<String> {
        let mut found = Vec::new();
        let pins = <B::Output as BlockOutput>::PINS;
        for (index, expect) in self.expected.iter().enumerate() {
            let position = index + 1;
            if let Expect::Matches { pin, .. } = expect
                && *pin != OutputEvent::ERROR
                && !pins.contains(pin)
            {
                found.push(format!(
                    "expected output #{position} is on pin `{pin}`, which {} does not have (its pins: {}, error)",
                    B::DESCRIPTOR.name,
                    pins.join(", ")
                ));
            }
            let is_error = match expect {
                Expect::ErrorContaining(_) => true,
                Expect::Matches { pin, .. } => *pin == OutputEvent::ERROR,
                Expect::Output(_) => false,
            };
            if is_error && position < self.expected.len() {
                found.push(format!(
                    "expected output #{position} is the error, but {} more output(s) are expected after it; the \
                     error is always the last output",
                    self.expected.len() - position
                ));
            }
        }
        found
    }
}
