//! What a running block can see of the world besides its input.

/// The execution context handed to [`Run::run`](crate::Run::run).
///
/// It names the execution and the user it runs for. Later capabilities (outbound
/// HTTP, credentials) hang off this type so that a block never reaches them any
/// other way.
#[derive(Debug, Clone)]
pub struct Context {
    pub(crate) execution_id: u64,
    pub(crate) user_id: Option<String>,
    pub(crate) block_id: &'static str,
}

impl Context {
    /// A process-unique number for this execution, for log correlation.
    pub fn execution_id(&self) -> u64 {
        self.execution_id
    }

    /// The user the block runs for, if the caller named one.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The id of the running block.
    pub fn block_id(&self) -> &'static str {
        self.block_id
    }
}
