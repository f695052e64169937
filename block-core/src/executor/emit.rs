//! The sending side of a run's outputs.

use std::marker::PhantomData;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::{BlockError, BlockOutput};

/// One value emitted on one pin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputEvent {
    /// The pin's name (`error` for a failure).
    pub name: &'static str,
    /// The emitted value.
    pub value: Value,
}

impl OutputEvent {
    /// The name of the implicit pin that carries a failed run's message.
    pub const ERROR: &'static str = "error";

    /// An event on the `error` pin.
    pub fn error(message: impl Into<String>) -> Self {
        OutputEvent { name: Self::ERROR, value: Value::String(message.into()) }
    }

    /// Whether this event reports a failure.
    pub fn is_error(&self) -> bool {
        self.name == Self::ERROR
    }
}

/// Where a block emits its outputs. Only the block's own output type can be sent, so
/// emitting an undeclared pin does not compile.
pub struct Emit<O> {
    events: mpsc::Sender<OutputEvent>,
    _output: PhantomData<fn(O)>,
}

impl<O: BlockOutput> Emit<O> {
    pub(crate) fn new(events: mpsc::Sender<OutputEvent>) -> Self {
        Emit { events, _output: PhantomData }
    }

    /// Sends one output. Waits while the consumer is behind (back-pressure); fails
    /// with a cancelled error once the consumer is gone, which ends the run quietly
    /// when returned from `run` with `?`.
    ///
    /// The output becomes its event at once; the waiting is one future shared by
    /// every output type, so a block's build compiles no send future of its own.
    pub fn emit(&self, output: O) -> impl Future<Output = Result<(), BlockError>> + Send + '_ {
        send(&self.events, output.into_event())
    }
}

async fn send(events: &mpsc::Sender<OutputEvent>, event: Result<OutputEvent, BlockError>) -> Result<(), BlockError> {
    events.send(event?).await.map_err(|_| BlockError::cancelled())
}

impl<O> std::fmt::Debug for Emit<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emit").finish_non_exhaustive()
    }
}

impl OutputEvent {
    /// Builds the event for `pin` from a serializable payload; used by the derive.
    pub fn from_payload<T: Serialize + ?Sized>(pin: &'static str, payload: &T) -> Result<Self, BlockError> {
        serde_json::to_value(payload)
            .map(|value| OutputEvent { name: pin, value })
            .map_err(|error| BlockError::output(pin, error))
    }
}
