//! The embedding API: run a registered block on JSON input and get its outputs.
//!
//! In one step, [`Executor::execute`]:
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
//!
//! Or in two, as a server does: [`Executor::prepare`] checks everything (input,
//! credentials, token refresh) and returns a [`PreparedRun`] to price and record;
//! [`PreparedRun::start`] runs it. A failed `prepare` costs the caller nothing.

mod credentials;
mod drive;
pub(crate) mod emit;
pub(crate) mod erased;
mod error;
mod execution;
mod ids;
mod options;
mod outputs;
mod prepared;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub use credentials::UsedCredentials;
#[doc(hidden)]
pub use drive::RunLimits;
pub use emit::{Emit, OutputEvent};
pub use error::{ExecuteError, ExecuteErrorKind};
pub use execution::Execution;
pub use ids::{canonical_digest, derived_execution_id, new_execution_id};
pub use options::RunOptions;
pub use outputs::Outputs;
pub use prepared::PreparedRun;

use crate::context::HttpSource;
use crate::credentials::{CredentialStore, InMemoryCredentialStore};
use crate::http::{HttpClient, HttpPolicy, Transport, default_transport};
use crate::oauth::{OAuthHandlers, Refresher};
use crate::registry::{InputProblem, RegisteredBlock};

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

    /// Checks everything a run needs without starting it: the block is enabled,
    /// a tokio runtime is running, the input (normalised as the reference does:
    /// undeclared keys ignored and reported, `null`s of optional fields dropped)
    /// fits the schema, and the credentials it names resolve for the options' user,
    /// OAuth tokens near expiry refreshed. Each check's failure is its own
    /// [`ExecuteError`] kind.
    ///
    /// The returned [`PreparedRun`] starts on the runtime found here, so
    /// [`start`](PreparedRun::start) cannot fail.
    pub async fn prepare(
        &self,
        block: &RegisteredBlock,
        mut input: Value,
        options: RunOptions,
    ) -> Result<PreparedRun, ExecuteError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ExecuteError::NoRuntime)?;
        let descriptor = block.descriptor();
        if descriptor.disabled && !self.allow_disabled {
            return Err(ExecuteError::Disabled { block: descriptor.name });
        }
        let (ignored, problems) = block.normalise_and_check(&mut input);
        if !problems.is_empty() {
            return Err(ExecuteError::InvalidInput { block: descriptor.name, problems, ignored });
        }
        let resolved = if block.credential_fields().is_empty() {
            credentials::Resolved::default()
        } else {
            let http = || HttpClient::new(HttpPolicy::clone(&self.http_policy), self.transport());
            let refreshing = credentials::Refreshing { refresher: &self.refresher, handlers: &self.oauth, http: &http };
            match credentials::resolve(block, &input, options.user_id.as_deref(), &self.credentials, refreshing).await {
                Ok(resolved) => resolved,
                Err(credentials::ResolveFailure::Problems(problems)) => {
                    return Err(ExecuteError::UnusableCredentials { block: descriptor.name, problems, ignored });
                }
                Err(credentials::ResolveFailure::Unavailable { reason, retry_after }) => {
                    return Err(ExecuteError::Unavailable { reason, retry_after });
                }
            }
        };
        let ready = match block.erased().prepare(&input, resolved.by_id) {
            Ok(ready) => ready,
            Err(error) => {
                let problems = vec![InputProblem::new("", error.to_string())];
                return Err(ExecuteError::InvalidInput { block: descriptor.name, problems, ignored });
            }
        };
        let launch = prepared::Launch {
            runtime,
            channel_capacity: self.channel_capacity,
            limits: RunLimits { timeout: options.timeout.unwrap_or(self.timeout), max_poll: self.max_poll },
            http: HttpSource::new(self.http_policy.clone(), block.trusted_origins_shared(), self.transport()),
        };
        let execution_id = match options.execution_id {
            Some(id) => id,
            None => new_execution_id()
                .map_err(|error| ExecuteError::Unavailable { reason: error.to_string(), retry_after: None })?,
        };
        Ok(PreparedRun {
            execution_id,
            descriptor,
            input,
            ignored,
            credentials: resolved.used,
            user_id: options.user_id,
            ready,
            launch,
        })
    }

    /// [`prepare`](Self::prepare), then [`start`](PreparedRun::start): validates,
    /// resolves credentials, starts the block and returns its stream of outputs.
    /// Nothing runs when any check fails.
    ///
    /// Dropping the returned [`Execution`] cancels the run.
    pub async fn execute(
        &self,
        block: &RegisteredBlock,
        input: Value,
        options: RunOptions,
    ) -> Result<Execution, ExecuteError> {
        Ok(self.prepare(block, input, options).await?.start())
    }
}

impl Executor {
    fn transport(&self) -> Arc<dyn Transport> {
        self.transport.clone().unwrap_or_else(default_transport)
    }
}
