//! The embedding API: run a registered block on JSON input and get its outputs.
//!
//! ```
//! # use block_core::{Executor, RunOptions, Registry, json};
//! # async fn demo(registry: &Registry) -> Result<(), Box<dyn std::error::Error>> {
//! let block = registry.by_name("CalculatorBlock").expect("registered");
//! let outputs = Executor::new()
//!     .execute(block, json!({"operation": "add", "a": 1, "b": 2}), RunOptions::default())
//!     .await?
//!     .collect()
//!     .await;
//! println!("{}", outputs.to_json());
//! # Ok(()) }
//! ```

mod credentials;
mod emit;
mod execution;
mod outputs;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use serde_json::Value;
use tokio::sync::mpsc;

pub use emit::{Emit, OutputEvent};
pub use execution::Execution;
pub use outputs::Outputs;

use crate::context::HttpSource;
use crate::credentials::{CredentialStore, InMemoryCredentialStore};
use crate::http::{HttpClient, HttpPolicy, Transport, default_transport};
use crate::oauth::{OAuthHandlers, Refresher};
use crate::registry::{InputProblem, RegisteredBlock};
use crate::{Run, RunContext};

/// Runs blocks. Cheap to clone: configuration and shared handles only.
#[derive(Clone)]
pub struct Executor {
    timeout: Duration,
    max_poll: Option<Duration>,
    channel_capacity: usize,
    allow_disabled: bool,
    credentials: Arc<dyn CredentialStore>,
    http_policy: Arc<HttpPolicy>,
    transport: Option<Arc<dyn Transport>>,
    oauth: OAuthHandlers,
    refresher: Arc<Refresher>,
}

impl Default for Executor {
    fn default() -> Self {
        Executor {
            timeout: Duration::from_secs(300),
            channel_capacity: 16,
            max_poll: None,
            allow_disabled: false,
            credentials: Arc::new(InMemoryCredentialStore::new()),
            http_policy: Arc::new(HttpPolicy::default()),
            transport: None,
            oauth: OAuthHandlers::new(),
            refresher: Arc::new(Refresher::default()),
        }
    }
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("timeout", &self.timeout)
            .field("channel_capacity", &self.channel_capacity)
            .field("allow_disabled", &self.allow_disabled)
            .finish_non_exhaustive()
    }
}

/// Per-execution settings given by the caller.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The user the block runs for.
    pub user_id: Option<String>,
    /// Overrides the executor's timeout for this run.
    pub timeout: Option<Duration>,
}

impl RunOptions {
    /// A context for the given user.
    pub fn for_user(user_id: impl Into<String>) -> Self {
        RunOptions { user_id: Some(user_id.into()), ..Self::default() }
    }

    /// Sets the timeout of this run.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// Why an execution did not start. A run that starts and fails reports on the
/// `error` pin instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExecuteError {
    /// The input does not fit the block's schema; every problem is listed.
    #[error("invalid input for {block}: {}", InputProblem::join(.problems))]
    InvalidInput {
        /// The block's name.
        block: &'static str,
        /// Each problem with its JSON pointer.
        problems: Vec<InputProblem>,
    },
    /// The block is disabled.
    #[error("block {block} is disabled")]
    Disabled {
        /// The block's name.
        block: &'static str,
    },
    /// No tokio runtime is running on this thread.
    #[error("executions need a tokio runtime; call execute from within one")]
    NoRuntime,
}

/// Limits applied to one run.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    pub(crate) timeout: Duration,
    pub(crate) max_poll: Option<Duration>,
}

static NEXT_EXECUTION: AtomicU64 = AtomicU64::new(1);

impl Executor {
    /// An executor with a 5 minute timeout and room for 16 pending outputs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the default per-execution timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets how many outputs may wait for the consumer before the block is paused
    /// (back-pressure). At least 1.
    pub fn with_channel_capacity(mut self, capacity: usize) -> Self {
        self.channel_capacity = capacity.max(1);
        self
    }

    /// Resolves credentials through `store` (an empty in-memory store by default).
    pub fn with_credentials(mut self, store: Arc<dyn CredentialStore>) -> Self {
        self.credentials = store;
        self
    }

    /// Sets the base HTTP policy of `ctx.http()` (timeouts, retries, size cap); each
    /// run adds the trusted origins of its block's providers.
    pub fn with_http_policy(mut self, policy: HttpPolicy) -> Self {
        self.http_policy = Arc::new(policy);
        self
    }

    /// Sends `ctx.http()`'s requests through `transport` (a shared reqwest
    /// transport by default; the test harness plugs in a mock).
    pub fn with_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Refreshes OAuth tokens about to expire through these providers' handlers
    /// (once per credential, however many runs share it), saving the new tokens in
    /// the credential store.
    pub fn with_oauth(mut self, handlers: OAuthHandlers) -> Self {
        self.oauth = handlers;
        self
    }

    /// Lets disabled blocks run (the test harness uses this).
    pub fn allow_disabled(mut self, allow: bool) -> Self {
        self.allow_disabled = allow;
        self
    }

    /// Fails a run whose block held its thread longer than `limit` in one step
    /// (one poll of its future): `std::thread::sleep`, blocking I/O or a long loop
    /// with no `.await`. Such a block stalls every task of the runtime worker it
    /// runs on, and no timeout can stop it mid-step. The test harness sets this;
    /// a server leaves it off, since the run has done its damage by then.
    pub fn with_max_poll(mut self, limit: Duration) -> Self {
        self.max_poll = Some(limit);
        self
    }

    /// Validates `input`, resolves the credentials it names for the context's user,
    /// then starts the block and returns its stream of outputs. Nothing runs when
    /// any of that fails.
    ///
    /// Dropping the returned [`Execution`] cancels the run.
    pub async fn execute(
        &self,
        block: &RegisteredBlock,
        input: Value,
        ctx: RunOptions,
    ) -> Result<Execution, ExecuteError> {
        let descriptor = block.descriptor();
        if descriptor.disabled && !self.allow_disabled {
            return Err(ExecuteError::Disabled { block: descriptor.name });
        }
        block.validate(&input)?;
        let resolved = if block.credential_fields().is_empty() {
            credentials::Resolved::default()
        } else {
            let http = || HttpClient::new(HttpPolicy::clone(&self.http_policy), self.transport());
            let refreshing = credentials::Refreshing { refresher: &self.refresher, handlers: &self.oauth, http: &http };
            credentials::resolve(block, &input, ctx.user_id.as_deref(), &self.credentials, refreshing)
                .await
                .map_err(|problems| ExecuteError::InvalidInput { block: descriptor.name, problems })?
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ExecuteError::NoRuntime);
        }
        let (tx, rx) = mpsc::channel(self.channel_capacity);
        let http = HttpSource {
            base: self.http_policy.clone(),
            trusted_origins: block.trusted_origins_shared(),
            transport: self.transport(),
            client: std::sync::OnceLock::new(),
        };
        let context = RunContext {
            execution_id: NEXT_EXECUTION.fetch_add(1, Ordering::Relaxed),
            user_id: ctx.user_id,
            block_id: descriptor.id,
            http: Arc::new(http),
        };
        let limits = RunLimits { timeout: ctx.timeout.unwrap_or(self.timeout), max_poll: self.max_poll };
        let task = block.erased().start(input, resolved.by_id, context, tx, limits).map_err(|error| {
            ExecuteError::InvalidInput {
                block: descriptor.name,
                problems: vec![InputProblem::new("", error.to_string())],
            }
        })?;
        Ok(Execution::new(rx, task))
    }
}

impl Executor {
    fn transport(&self) -> Arc<dyn Transport> {
        self.transport.clone().unwrap_or_else(default_transport)
    }
}

/// Runs one block to completion on the current task, turning a failure, a panic or
/// a timeout into the `error` output.
pub(crate) async fn drive<B: Run>(
    block: Arc<B>,
    input: B::Input,
    ctx: RunContext,
    events: mpsc::Sender<OutputEvent>,
    limits: RunLimits,
) {
    let emit = Emit::new(events.clone());
    let run = AssertUnwindSafe(block.run(input, &ctx, &emit)).catch_unwind();
    let mut run = std::pin::pin!(run);
    let mut longest = Duration::ZERO;
    let watched = std::future::poll_fn(|cx| match limits.max_poll {
        None => run.as_mut().poll(cx),
        Some(_) => {
            let started = Instant::now();
            let poll = run.as_mut().poll(cx);
            longest = longest.max(started.elapsed());
            poll
        }
    });
    let outcome = tokio::time::timeout(limits.timeout, watched).await;
    let failure = match (outcome, limits.max_poll) {
        (_, Some(limit)) if longest > limit => format!(
            "the block held its thread for {longest:.1?} in one step (the limit is {limit:?}): blocking work \
             (std::thread::sleep, blocking I/O, long loops without .await) belongs in tokio::task::spawn_blocking"
        ),
        (Ok(Ok(Ok(()))), _) => return,
        (Ok(Ok(Err(error))), _) if error.kind() == crate::error::BlockErrorKind::Cancelled => return,
        (Ok(Ok(Err(error))), _) => error.to_string(),
        (Ok(Err(panic)), _) => format!("the block panicked: {}", panic_message(panic.as_ref())),
        (Err(_), _) => format!("the block did not finish within {:?}", limits.timeout),
    };
    // The consumer may be gone; then nobody needs the error either.
    let _ = events.send(OutputEvent::error(failure)).await;
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    if let Some(message) = panic.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message
    } else {
        "a non-string panic payload"
    }
}
