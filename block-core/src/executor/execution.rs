//! The receiving side of a run: a stream of output events.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::emit::OutputEvent;
use super::outputs::Outputs;
use crate::BoxFuture;

/// A running block's outputs, in the order they were emitted. Ends when the run ends.
/// Dropping it cancels the run.
pub struct Execution {
    id: Uuid,
    events: mpsc::Receiver<OutputEvent>,
    run: Running,
}

/// Where the run takes its steps.
enum Running {
    /// On a task of its own.
    Spawned(JoinHandle<()>),
    /// Within whoever polls the execution; `None` once it finished (its senders
    /// dropped with it, so that the channel ends after its last output).
    InPlace(Option<BoxFuture<'static, ()>>),
}

impl Execution {
    pub(crate) fn spawned(id: Uuid, events: mpsc::Receiver<OutputEvent>, task: JoinHandle<()>) -> Self {
        Execution { id, events, run: Running::Spawned(task) }
    }

    pub(crate) fn in_place(id: Uuid, events: mpsc::Receiver<OutputEvent>, run: BoxFuture<'static, ()>) -> Self {
        Execution { id, events, run: Running::InPlace(Some(run)) }
    }

    /// The execution's id, as the block sees it.
    pub fn execution_id(&self) -> Uuid {
        self.id
    }

    /// The next output, or `None` once the run has ended.
    pub async fn next_event(&mut self) -> Option<OutputEvent> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    /// Waits for the run to end and groups its outputs by pin: `{pin: [values]}`.
    pub async fn collect(mut self) -> Outputs {
        let mut outputs = Outputs::default();
        while let Some(event) = self.next_event().await {
            outputs.push(event);
        }
        outputs
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<OutputEvent>> {
        if let Poll::Ready(event) = self.events.poll_recv(cx) {
            return Poll::Ready(event);
        }
        let Running::InPlace(Some(run)) = &mut self.run else { return Poll::Pending };
        if run.as_mut().poll(cx).is_ready() {
            self.run = Running::InPlace(None);
        }
        // What that step emitted; the channel's end once the run finished.
        self.events.poll_recv(cx)
    }
}

impl Stream for Execution {
    type Item = OutputEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<OutputEvent>> {
        self.poll_event(cx)
    }
}

impl std::fmt::Debug for Execution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let running = match &self.run {
            Running::Spawned(_) => "spawned",
            Running::InPlace(Some(_)) => "in place",
            Running::InPlace(None) => "finished",
        };
        f.debug_struct("Execution").field("id", &self.id).field("running", &running).finish_non_exhaustive()
    }
}

impl Drop for Execution {
    fn drop(&mut self) {
        if let Running::Spawned(task) = &self.run {
            task.abort();
        }
    }
}
