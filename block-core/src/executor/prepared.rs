//! A run that passed every check and waits to be started.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::credentials::UsedCredentials;
use super::drive::RunLimits;
use super::emit::OutputEvent;
use super::erased::ReadyRun;
use super::execution::Execution;
use crate::context::HttpSource;
use crate::{BlockDescriptor, BoxFuture, RunContext};

/// A validated execution with its credentials resolved, not started yet: what
/// [`Executor::prepare`](super::Executor::prepare) returns.
///
/// A server reads what it needs to price and record the run (its id, block, input,
/// credentials, ignored keys), then calls [`start`](PreparedRun::start). Dropping
/// it runs nothing.
///
/// ```
/// # use block_core::{Executor, Registry, RunOptions, json};
/// # async fn demo(registry: &Registry) -> Result<(), Box<dyn std::error::Error>> {
/// let block = registry.by_name("CalculatorBlock").expect("registered");
/// let prepared = Executor::new()
///     .prepare(block, json!({"operation": "add", "a": 1, "b": 2, "colour": "red"}), RunOptions::default())
///     .await?;
/// assert_eq!(prepared.ignored_keys(), ["colour"]);
/// let id = prepared.execution_id(); // record the run under this id, charge, ...
/// let outputs = prepared.start().collect().await;
/// # let _ = (id, outputs);
/// # Ok(()) }
/// ```
pub struct PreparedRun {
    pub(super) execution_id: Uuid,
    pub(super) descriptor: &'static BlockDescriptor,
    pub(super) input: Value,
    pub(super) ignored: Vec<String>,
    pub(super) credentials: Vec<UsedCredentials>,
    pub(super) user_id: Option<String>,
    pub(super) ready: Box<dyn ReadyRun>,
    pub(super) launch: Launch,
}

/// How to start the run: the runtime found when it was prepared, and the run's
/// limits and HTTP set-up.
pub(super) struct Launch {
    pub(super) runtime: tokio::runtime::Handle,
    pub(super) channel_capacity: usize,
    pub(super) limits: RunLimits,
    pub(super) http: HttpSource,
}

impl PreparedRun {
    /// The execution's id: the one [`RunOptions`](super::RunOptions) named, or a
    /// fresh UUID v7. The block sees the same id in
    /// [`RunContext::execution_id`](crate::RunContext::execution_id).
    pub fn execution_id(&self) -> Uuid {
        self.execution_id
    }

    /// The block that will run.
    pub fn block(&self) -> &'static BlockDescriptor {
        self.descriptor
    }

    /// The input as validated: undeclared keys removed, `null`s of optional fields
    /// dropped, credentials as their meta objects only. Fields marked `secret` hold
    /// what the caller sent: mask them before showing or storing the input.
    pub fn input(&self) -> &Value {
        &self.input
    }

    /// Keys of the input the block does not declare, which were ignored, in the
    /// order they came.
    pub fn ignored_keys(&self) -> &[String] {
        &self.ignored
    }

    /// The credentials the run uses, without their secrets.
    pub fn credentials(&self) -> &[UsedCredentials] {
        &self.credentials
    }

    /// Whether any of the credentials are the platform's defaults (platform-only
    /// costs apply then).
    pub fn uses_platform_credentials(&self) -> bool {
        self.credentials.iter().any(|used| used.platform)
    }

    /// The user the run is for, if the caller named one.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// Starts the run on a task of its own, on the runtime it was prepared on, and
    /// returns its stream of outputs: the block runs ahead of the reader, up to
    /// the executor's channel capacity. Dropping the [`Execution`] cancels the
    /// run.
    pub fn start(self) -> Execution {
        let (execution_id, runtime, events, run) = self.into_run();
        Execution::spawned(execution_id, events, runtime.spawn(run))
    }

    /// Starts the run within the task that reads its outputs: no task is
    /// spawned, and the block takes its steps only while the [`Execution`] is
    /// polled (each step when the reader waits for the next output). For a
    /// caller that waits on the outputs anyway (a request answered when the run
    /// ends): it saves the spawn and a hand-over between tasks per output. The
    /// run's limits (time, longest step, panics) apply as with
    /// [`start`](PreparedRun::start). Dropping the [`Execution`] cancels the run.
    pub fn start_in_place(self) -> Execution {
        let (execution_id, _, events, run) = self.into_run();
        Execution::in_place(execution_id, events, run)
    }

    fn into_run(self) -> (Uuid, tokio::runtime::Handle, mpsc::Receiver<OutputEvent>, BoxFuture<'static, ()>) {
        let PreparedRun { execution_id, descriptor, user_id, ready, launch, .. } = self;
        let (tx, rx) = mpsc::channel(launch.channel_capacity);
        let context = RunContext { execution_id, user_id, block_id: descriptor.id, http: Arc::new(launch.http) };
        (execution_id, launch.runtime, rx, ready.into_future(context, tx, launch.limits))
    }

    /// For a polling trigger, prepared with its subscription's input (`payload`
    /// `null`): runs its [`Poll::poll`](crate::Poll::poll) on the runtime it was
    /// prepared on, within the run's time limit, and returns what it found. A
    /// panic or the time running out is an error, like a failed poll.
    pub async fn poll(self) -> Result<Vec<crate::PolledItem>, crate::BlockError> {
        let PreparedRun { execution_id, descriptor, user_id, ready, launch, .. } = self;
        let Some(spec) = descriptor.poll else {
            return Err(crate::BlockError::new(format!("{} is not a polling trigger", descriptor.name)));
        };
        let context = RunContext { execution_id, user_id, block_id: descriptor.id, http: Arc::new(launch.http) };
        let task = launch.runtime.spawn((spec.poll)(ready, context));
        let abort = task.abort_handle();
        match tokio::time::timeout(launch.limits.timeout, task).await {
            Ok(Ok(found)) => found,
            Ok(Err(_)) => Err(crate::BlockError::new("the poll panicked")),
            Err(_) => {
                abort.abort();
                Err(crate::BlockError::new(format!(
                    "the poll took longer than {} s",
                    launch.limits.timeout.as_secs_f64()
                )))
            }
        }
    }
}

impl std::fmt::Debug for PreparedRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedRun")
            .field("execution_id", &self.execution_id)
            .field("block", &self.descriptor.name)
            .field("user_id", &self.user_id)
            .field("ignored_keys", &self.ignored)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}
