//! The traits a block is made of.
//!
//! An author implements [`Run`] by hand and derives the rest: [`BlockInput`] and
//! [`BlockOutput`] come from `#[derive(...)]`, [`Block`] from `#[block(...)]`. Each trait
//! can also be implemented by hand (the macro-free path), which is what the generated
//! code does.

use std::future::Future;

use serde_json::Value;

use crate::executor::emit::{Emit, OutputEvent};
use crate::{BlockDescriptor, BlockError, RunContext};

/// The typed input of a block. Derive it with `#[derive(BlockInput)]`.
///
/// The derive writes the (de)serialization and the JSON schema from the struct's
/// fields, their doc comments and their `#[block_input(...)]` attributes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a block input",
    label = "add `#[derive(BlockInput)]` to `{Self}`"
)]
pub trait BlockInput: serde::Serialize + serde::de::DeserializeOwned + Send + 'static {
    /// The JSON schema (draft 2020-12) of the input object.
    fn input_schema() -> Value;

    /// Checks every declared default against its field's type, returning one message
    /// per default that does not fit. The registry refuses a block with such a default.
    fn check_defaults() -> Vec<String> {
        Vec::new()
    }

    /// The fields marked `hidden` (a trigger's `payload` must be one).
    const HIDDEN_FIELDS: &'static [&'static str] = &[];

    /// The field marked `event_filter`, if any.
    const EVENT_FILTER: Option<&'static str> = None;

    /// Whether every field is a `bool` (what an event filter must be).
    const ALL_BOOL: bool = false;
}

/// The outputs of a block: one enum variant per output pin. Derive it with
/// `#[derive(BlockOutput)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a block output",
    label = "add `#[derive(BlockOutput)]` to the enum `{Self}`"
)]
pub trait BlockOutput: Send + 'static {
    /// The pin names, in declaration order (without the implicit `error` pin).
    const PINS: &'static [&'static str];

    /// The pin this value is emitted on.
    fn pin(&self) -> &'static str;

    /// Turns the value into the event sent on its pin.
    fn into_event(self) -> Result<OutputEvent, BlockError>;

    /// The JSON schema (draft 2020-12) of the outputs: one property per pin, plus `error`.
    fn output_schema() -> Value;
}

/// What a block does when it runs. The one trait an author implements by hand.
///
/// Write `async fn run(...)` in the impl; the returned future must be `Send` because
/// executions run on a multi-threaded runtime.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `run`",
    label = "implement `block_core::Run` for `{Self}`",
    note = "write `impl Run for {Self} {{ type Input = ...; type Output = ...; async fn run(...) }}`"
)]
pub trait Run: Send + Sync + 'static {
    /// The typed input.
    type Input: BlockInput;
    /// The output pins.
    type Output: BlockOutput;

    /// Runs the block once. Emit outputs through `out`, in order; return `Err` to fail
    /// the run, which emits the message on the `error` pin.
    fn run(
        &self,
        input: Self::Input,
        ctx: &RunContext,
        out: &Emit<Self::Output>,
    ) -> impl Future<Output = Result<(), BlockError>> + Send;
}

/// A registrable block: a [`Run`] with its static description. Written by
/// `#[block(...)]`.
pub trait Block: Run + Sized {
    /// The static description of the block.
    const DESCRIPTOR: &'static BlockDescriptor;

    /// Makes the block value the executor runs.
    fn instantiate() -> Self;
}

/// Whether input `I` has a hidden `payload` field; the trigger attribute asserts it
/// at compile time.
#[doc(hidden)]
pub const fn has_hidden_payload<I: BlockInput>() -> bool {
    let fields = I::HIDDEN_FIELDS;
    let mut i = 0;
    while i < fields.len() {
        let name = fields[i].as_bytes();
        let wanted = b"payload";
        if name.len() == wanted.len() {
            let mut j = 0;
            while j < name.len() && name[j] == wanted[j] {
                j += 1;
            }
            if j == name.len() {
                return true;
            }
        }
        i += 1;
    }
    false
}
