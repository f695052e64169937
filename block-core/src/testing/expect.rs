//! What a case expects of a run, output by output.

use serde_json::Value;

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
