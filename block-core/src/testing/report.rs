//! Failure reports of the test harness.

use std::fmt;

use crate::executor::OutputEvent;

/// One failed case.
#[derive(Debug, Clone)]
pub struct CaseFailure {
    name: String,
    message: String,
}

impl CaseFailure {
    pub(super) fn new(name: &str, message: impl Into<String>) -> Self {
        CaseFailure { name: name.to_owned(), message: message.into() }
    }

    /// The same failure with another problem of the case appended.
    pub(super) fn with_note(mut self, note: &str) -> Self {
        self.message.push_str("\n  ");
        self.message.push_str(note);
        self
    }
}

/// Why a block's cases failed: every failing case with expected against actual.
#[derive(Debug, Clone)]
pub struct TestFailure {
    block: &'static str,
    setup: Option<String>,
    cases: Vec<CaseFailure>,
}

impl TestFailure {
    pub(super) fn setup(block: &'static str, message: impl Into<String>) -> Self {
        TestFailure { block, setup: Some(message.into()), cases: Vec::new() }
    }

    pub(super) fn cases(block: &'static str, cases: Vec<CaseFailure>) -> Self {
        TestFailure { block, setup: None, cases }
    }

    /// The block whose cases failed.
    pub fn block(&self) -> &'static str {
        self.block
    }
}

impl fmt::Display for TestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(setup) = &self.setup {
            return write!(f, "{}: {setup}", self.block);
        }
        write!(f, "{}: {} case(s) failed", self.block, self.cases.len())?;
        for case in &self.cases {
            write!(f, "\n- case {:?}:\n  {}", case.name, case.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for TestFailure {}

pub(super) fn describe_events(events: &[OutputEvent]) -> String {
    if events.is_empty() {
        return "    (none)".to_owned();
    }
    events
        .iter()
        .enumerate()
        .map(|(i, e)| format!("    #{} {}: {}", i + 1, e.name, e.value))
        .collect::<Vec<_>>()
        .join("\n")
}
