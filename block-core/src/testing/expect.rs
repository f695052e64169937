//! What a case expects of a run, output by output.

use serde_json::Value;

use crate::graph::Pin;

type Check = Box<dyn Fn(&Value) -> bool + Send + Sync>;

/// An output pin of the blocks whose output type is `O`, as the expectations of a
/// [`TestCase`](super::TestCase) name it: typed, as the constant the derive makes
/// (`CalcOutput::RESULT`), which only compiles for a pin `O` has; or by name
/// (`"result"`, or `"error"`), which the harness checks when the case runs.
pub trait PinName<O> {
    /// The pin's name on the wire.
    fn pin_name(&self) -> &'static str;
}

impl<O, T> PinName<O> for Pin<O, T> {
    fn pin_name(&self) -> &'static str {
        self.name()
    }
}

impl<O> PinName<O> for &'static str {
    fn pin_name(&self) -> &'static str {
        self
    }
}

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
