//! What the caller says about one execution.

use std::time::Duration;

use uuid::Uuid;

/// Per-execution settings given by the caller.
///
/// ```
/// # use block_core::RunOptions;
/// # use block_core::executor::new_execution_id;
/// # use std::time::Duration;
/// // A server records the run under its id first, then runs it under the same id.
/// let id = new_execution_id()?;
/// let options = RunOptions::for_user("user-1").with_execution_id(id).with_timeout(Duration::from_secs(30));
/// assert_eq!(options.execution_id, Some(id));
/// # Ok::<(), block_core::tokens::RandomUnavailable>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The user the block runs for.
    pub user_id: Option<String>,
    /// Overrides the executor's timeout for this run.
    pub timeout: Option<Duration>,
    /// The execution's id, when the caller chose it already (a server records the
    /// run under it before starting); otherwise a fresh UUID v7 is made. The block
    /// sees it as [`RunContext::execution_id`](crate::RunContext::execution_id).
    pub execution_id: Option<Uuid>,
}

impl RunOptions {
    /// Options for the given user.
    pub fn for_user(user_id: impl Into<String>) -> Self {
        RunOptions { user_id: Some(user_id.into()), ..Self::default() }
    }

    /// Sets the timeout of this run.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Runs under `id` instead of a fresh one.
    pub fn with_execution_id(mut self, id: Uuid) -> Self {
        self.execution_id = Some(id);
        self
    }
}
