//! Blocks with their types erased, as the registry and the executor hold them:
//! a typed input deserialized once, then run (or, for a polling trigger,
//! polled).

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize as _;
use serde_json::Value;

use super::drive::{RunLimits, drive};
use super::emit::{Emit, OutputEvent};
use crate::credentials::StoredCredentials;
use crate::{Block, BoxFuture, Run, RunContext};

/// A block with its types erased, as the registry and executor hold it.
#[doc(hidden)]
pub trait ErasedBlock: Send + Sync + 'static {
    /// Deserializes `input` (already validated against the schema), with its
    /// credentials resolved into `credentials`, into a run ready to spawn.
    fn prepare(
        &self,
        input: &Value,
        credentials: HashMap<String, StoredCredentials>,
    ) -> Result<Box<dyn ReadyRun>, serde_json::Error>;
}

/// A block with its typed input, ready to run; dropping it runs nothing.
#[doc(hidden)]
pub trait ReadyRun: Send + 'static {
    /// The run, driven to its end (see [`drive`]): to spawn, or to poll in place.
    fn into_future(
        self: Box<Self>,
        ctx: RunContext,
        events: tokio::sync::mpsc::Sender<OutputEvent>,
        limits: RunLimits,
    ) -> BoxFuture<'static, ()>;

    /// The typed run, for a polling trigger's poll to take back.
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any + Send>;
}

struct Erased<B>(Arc<B>);

/// A block with its typed input (polling triggers downcast to it).
pub(crate) struct Ready<B: Run> {
    pub(crate) block: Arc<B>,
    pub(crate) input: B::Input,
}

impl<B: Block> ErasedBlock for Erased<B> {
    fn prepare(
        &self,
        input: &Value,
        credentials: HashMap<String, StoredCredentials>,
    ) -> Result<Box<dyn ReadyRun>, serde_json::Error> {
        // Most blocks take no credentials: their input needs no thread-local set-up.
        let input = if credentials.is_empty() {
            B::Input::deserialize(input)?
        } else {
            crate::credentials::with_resolved(credentials, || B::Input::deserialize(input))?
        };
        Ok(Box::new(Ready { block: Arc::clone(&self.0), input }))
    }
}

impl<B: Run> ReadyRun for Ready<B> {
    fn into_future(
        self: Box<Self>,
        ctx: RunContext,
        events: tokio::sync::mpsc::Sender<OutputEvent>,
        limits: RunLimits,
    ) -> BoxFuture<'static, ()> {
        let Ready { block, input } = *self;
        let emit = Emit::new(events.clone());
        Box::pin(drive(Box::pin(async move { block.run(input, &ctx, &emit).await }), events, limits))
    }

    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any + Send> {
        self
    }
}

/// Makes the type-erased block of `B`; the descriptor's `instantiate` points here.
#[doc(hidden)]
pub fn erase<B: Block>() -> Arc<dyn ErasedBlock> {
    Arc::new(Erased(Arc::new(B::instantiate())))
}
