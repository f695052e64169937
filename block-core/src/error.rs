//! The error a block's `run` returns.

use std::fmt;

/// Why a block's run failed. Its message becomes the value of the `error` output.
///
/// Any `std::error::Error` converts into it, so `?` works on the errors of the
/// libraries a block calls; the message keeps the whole `source()` chain.
///
/// ```
/// use block_core::BlockError;
/// fn parse(s: &str) -> Result<i64, BlockError> {
///     if s.is_empty() {
///         return Err(BlockError::new("the text is empty"));
///     }
///     Ok(s.parse::<i64>()?)
/// }
/// assert_eq!(parse("").unwrap_err().to_string(), "the text is empty");
/// assert!(parse("x").unwrap_err().to_string().contains("invalid digit"));
/// ```
pub struct BlockError {
    message: String,
    kind: BlockErrorKind,
}

/// What kind of failure a [`BlockError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockErrorKind {
    /// The block reported a failure of its own work.
    Failed,
    /// The consumer of the outputs went away; the run should stop.
    Cancelled,
    /// An output value could not be turned into JSON.
    Output,
}

impl BlockError {
    /// A failure with the given message.
    pub fn new(message: impl fmt::Display) -> Self {
        BlockError { message: message.to_string(), kind: BlockErrorKind::Failed }
    }

    pub(crate) fn cancelled() -> Self {
        BlockError { message: "the execution was cancelled".into(), kind: BlockErrorKind::Cancelled }
    }

    pub(crate) fn output(pin: &str, source: serde_json::Error) -> Self {
        BlockError {
            message: format!("output `{pin}` could not be turned into JSON: {source}"),
            kind: BlockErrorKind::Output,
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> BlockErrorKind {
        self.kind
    }

    /// The message, as the `error` output will carry it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockError").field("kind", &self.kind).field("message", &self.message).finish()
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for BlockError {
    fn from(error: E) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        BlockError::new(message)
    }
}
