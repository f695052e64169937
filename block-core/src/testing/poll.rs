//! Poll cases of polling triggers: a subscription's input and prior cursor, the
//! mocked HTTP the poll makes, and the new items and cursor it must give.

use super::TEST_USER;
use super::case::TestCase;
use super::expect::Expect;
use super::kinds::PollCase;
use super::report::CaseFailure;
use crate::polling::{PollCursor, advance};
use crate::{Block, Executor, RegisteredBlock, RunOptions};

impl<B: Block> TestCase<B> {
    /// A poll of a polling trigger subscribed with `input` (its `payload` is
    /// ignored: give `Value::Null`). Without [`after`](Self::after) it is the
    /// subscription's first poll, which seeds the cursor and finds nothing new
    /// unless the block fires on the first poll. Declare the HTTP the poll makes
    /// with [`http`](TestCase::http), then what it finds with
    /// [`finds`](Self::finds) and [`cursor`](Self::cursor), or its failure with
    /// [`error_containing`](TestCase::error_containing).
    pub fn poll(name: impl Into<String>, input: B::Input) -> Self {
        let mut case = Self::new(name, input);
        case.poll = Some(PollCase::default());
        case
    }

    /// The cursor the subscription had before this poll.
    pub fn after(mut self, prior: PollCursor) -> Self {
        match &mut self.poll {
            Some(poll) => poll.prior = Some(prior),
            None => self
                .misuse
                .push("`after(cursor)` sets a poll's prior cursor; start the case with `TestCase::poll`".into()),
        }
        self
    }

    /// The ids of the items the poll finds new, oldest first (each starts one
    /// trigger run); `[]` for none.
    pub fn finds<'a>(mut self, ids: impl IntoIterator<Item = &'a str>) -> Self {
        let ids = ids.into_iter().map(str::to_owned).collect();
        match &mut self.poll {
            Some(poll) => poll.new_items = Some(ids),
            None => self.misuse.push("`finds(...)` is what a poll finds; start the case with `TestCase::poll`".into()),
        }
        self
    }

    /// The cursor the poll leaves.
    pub fn cursor(mut self, cursor: PollCursor) -> Self {
        match &mut self.poll {
            Some(poll) => poll.cursor = Some(cursor),
            None => {
                self.misuse.push("`cursor(...)` is what a poll leaves; start the case with `TestCase::poll`".into())
            }
        }
        self
    }

    /// What a poll case expects that no poll gives.
    pub(super) fn poll_contradictions(&self) -> Vec<String> {
        let Some(poll) = &self.poll else { return Vec::new() };
        let mut found = Vec::new();
        if B::DESCRIPTOR.poll.is_none() {
            found.push(format!(
                "{} is not a polling trigger (no `trigger(poll(...))`); it cannot be polled",
                B::DESCRIPTOR.name
            ));
        }
        let expects_error = matches!(self.expected.as_slice(), [Expect::ErrorContaining(_)]);
        if !self.expected.is_empty() && !expects_error {
            found.push("a poll emits no outputs; expect what it finds with `finds(...)`, or `error_containing`".into());
        }
        if expects_error && (poll.new_items.is_some() || poll.cursor.is_some()) {
            found.push("the poll is expected to fail, yet also to find items or move its cursor".into());
        }
        if !expects_error && poll.new_items.is_none() && poll.cursor.is_none() {
            found.push("the case expects nothing of the poll; say what it `finds(...)`".into());
        }
        if self.rejected_at.is_some() || self.delivery.is_some() {
            found.push("a poll case neither refuses its input nor delivers a payload".into());
        }
        found
    }
}

/// Polls once through the real executor and checks what was found.
pub(super) async fn run<B: Block>(
    block: &RegisteredBlock,
    mut case: TestCase<B>,
    executor: Executor,
) -> Result<(), CaseFailure> {
    let name = case.name.clone();
    let fail = |message: String| CaseFailure::new(&name, message);
    let (Some(poll), Some(spec)) = (case.poll.take(), B::DESCRIPTOR.poll) else {
        return Err(fail("not a poll of a polling trigger".into()));
    };
    let input = case.input_json().map_err(&fail)?;
    let prepared = executor
        .prepare(block, input, RunOptions::for_user(TEST_USER))
        .await
        .map_err(|error| fail(format!("the poll did not start: {error}")))?;
    let found = prepared.poll().await;
    let expected_error = case.expected.iter().find_map(|expect| match expect {
        Expect::ErrorContaining(text) => Some(text.clone()),
        _ => None,
    });
    let items = match (found, expected_error) {
        (Err(error), Some(text)) if error.message().contains(&text) => return Ok(()),
        (Err(error), Some(text)) => {
            return Err(fail(format!(
                "expected the poll to fail with \"{text}\", it failed with \"{}\"",
                error.message()
            )));
        }
        (Err(error), None) => return Err(fail(format!("the poll failed: {}", error.message()))),
        (Ok(items), Some(text)) => {
            return Err(fail(format!("expected the poll to fail with \"{text}\", it found {} item(s)", items.len())));
        }
        (Ok(items), None) => items,
    };
    let advanced = advance(spec.dedupe, poll.prior.as_ref(), items, spec.fire_on_first)
        .map_err(|error| fail(format!("the poll's items were refused: {error}")))?;
    let mut problems = Vec::new();
    let new: Vec<&str> = advanced.new.iter().map(|item| item.id.as_str()).collect();
    if let Some(wanted) = &poll.new_items
        && new != *wanted
    {
        problems.push(format!("expected new items {wanted:?}, found {new:?}"));
    }
    if let Some(wanted) = &poll.cursor
        && advanced.cursor != *wanted
    {
        problems.push(format!("expected the cursor {wanted:?}, the poll left {:?}", advanced.cursor));
    }
    if problems.is_empty() { Ok(()) } else { Err(fail(problems.join("\n  "))) }
}
