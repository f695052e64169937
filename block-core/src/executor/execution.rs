//! The receiving side of a run: a stream of output events.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::emit::OutputEvent;
use super::outputs::Outputs;

/// A running block's outputs, in the order they were emitted. Ends when the run ends.
/// Dropping it cancels the run.
#[derive(Debug)]
pub struct Execution {
    id: Uuid,
    events: mpsc::Receiver<OutputEvent>,
    task: JoinHandle<()>,
}

impl Execution {
    pub(crate) fn new(id: Uuid, events: mpsc::Receiver<OutputEvent>, task: JoinHandle<()>) -> Self {
        Execution { id, events, task }
    }

    /// The execution's id, as the block sees it.
    pub fn execution_id(&self) -> Uuid {
        self.id
    }

    /// The next output, or `None` once the run has ended.
    pub async fn next_event(&mut self) -> Option<OutputEvent> {
        self.events.recv().await
    }

    /// Waits for the run to end and groups its outputs by pin: `{pin: [values]}`.
    pub async fn collect(mut self) -> Outputs {
        let mut outputs = Outputs::default();
        while let Some(event) = self.events.recv().await {
            outputs.push(event);
        }
        outputs
    }
}

impl Stream for Execution {
    type Item = OutputEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<OutputEvent>> {
        self.events.poll_recv(cx)
    }
}

impl Drop for Execution {
    fn drop(&mut self) {
        self.task.abort();
    }
}
