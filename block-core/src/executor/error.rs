//! Why an execution did not start, in classes a caller can act on.

use std::time::Duration;

use crate::registry::InputProblem;

/// Why an execution did not start. A run that starts and fails reports on the
/// `error` pin instead.
///
/// [`kind`](ExecuteError::kind) classifies it without matching on text; a server
/// maps the kinds to statuses (see [`ExecuteErrorKind`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExecuteError {
    /// The input does not fit the block's schema; every problem is listed.
    #[error("invalid input for {block}: {}{}", InputProblem::join(.problems), ignored_note(.ignored))]
    InvalidInput {
        /// The block's name.
        block: &'static str,
        /// Each problem with its JSON pointer.
        problems: Vec<InputProblem>,
        /// Keys the block does not declare, which were ignored.
        ignored: Vec<String>,
    },
    /// The credentials the input names cannot be used: unknown (or another user's),
    /// of the wrong provider or kind, missing scopes, expired, or refused by the
    /// provider when refreshed. Each problem is at its credentials field's pointer.
    #[error("unusable credentials for {block}: {}", InputProblem::join(.problems))]
    UnusableCredentials {
        /// The block's name.
        block: &'static str,
        /// Each problem at its field's JSON pointer.
        problems: Vec<InputProblem>,
        /// Keys the block does not declare, which were ignored.
        ignored: Vec<String>,
    },
    /// The block is disabled.
    #[error("block {block} is disabled")]
    Disabled {
        /// The block's name.
        block: &'static str,
    },
    /// Something the run depends on failed, not the caller: the credential store,
    /// or the provider while refreshing a token (a 5xx, or no answer). The same
    /// request may succeed later.
    #[error("the execution could not be prepared: {reason}")]
    Unavailable {
        /// What failed; never holds a secret.
        reason: String,
        /// How long the failing service asked callers to wait, if it said.
        retry_after: Option<Duration>,
    },
    /// No tokio runtime is running on this thread.
    #[error("executions need a tokio runtime; call execute from within one")]
    NoRuntime,
}

/// The class of an [`ExecuteError`], and what a server answers for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExecuteErrorKind {
    /// The input does not fit the schema (HTTP 422).
    InvalidInput,
    /// The named credentials cannot be used (HTTP 422, at the field's pointer).
    UnusableCredentials,
    /// The block is disabled (HTTP 403).
    Disabled,
    /// A backend failed; retry later (HTTP 503 with `Retry-After`).
    Unavailable,
    /// The caller has no tokio runtime: a bug of the embedding program (HTTP 500).
    NoRuntime,
}

impl ExecuteError {
    /// The class of this error.
    pub fn kind(&self) -> ExecuteErrorKind {
        match self {
            ExecuteError::InvalidInput { .. } => ExecuteErrorKind::InvalidInput,
            ExecuteError::UnusableCredentials { .. } => ExecuteErrorKind::UnusableCredentials,
            ExecuteError::Disabled { .. } => ExecuteErrorKind::Disabled,
            ExecuteError::Unavailable { .. } => ExecuteErrorKind::Unavailable,
            ExecuteError::NoRuntime => ExecuteErrorKind::NoRuntime,
        }
    }

    /// What is wrong with the input, each at its JSON pointer: the schema's
    /// problems or the credentials' ones; empty for the other kinds.
    pub fn problems(&self) -> &[InputProblem] {
        match self {
            ExecuteError::InvalidInput { problems, .. } | ExecuteError::UnusableCredentials { problems, .. } => {
                problems
            }
            _ => &[],
        }
    }

    /// Keys of the input the block does not declare, which were ignored (a server
    /// names them in `X-Ignored-Input-Keys`).
    pub fn ignored_keys(&self) -> &[String] {
        match self {
            ExecuteError::InvalidInput { ignored, .. } | ExecuteError::UnusableCredentials { ignored, .. } => ignored,
            _ => &[],
        }
    }

    /// For [`Unavailable`](ExecuteError::Unavailable): how long to wait before
    /// trying again, if the failing service said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ExecuteError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the caller's input is at fault (a 422): invalid input or unusable
    /// credentials.
    pub fn is_input_problem(&self) -> bool {
        matches!(self.kind(), ExecuteErrorKind::InvalidInput | ExecuteErrorKind::UnusableCredentials)
    }
}

fn ignored_note(ignored: &[String]) -> String {
    if ignored.is_empty() { String::new() } else { format!(" (ignored undeclared keys: {})", ignored.join(", ")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_says_its_kind_problems_ignored_keys_and_wait() {
        let invalid = ExecuteError::InvalidInput {
            block: "B",
            problems: vec![InputProblem::new("/a", "bad")],
            ignored: vec!["colour".into()],
        };
        let credentials = ExecuteError::UnusableCredentials {
            block: "B",
            problems: vec![InputProblem::new("/credentials", "expired")],
            ignored: vec![],
        };
        let unavailable =
            ExecuteError::Unavailable { reason: "store down".into(), retry_after: Some(Duration::from_secs(7)) };
        let kinds: Vec<ExecuteErrorKind> =
            [&invalid, &credentials, &ExecuteError::Disabled { block: "B" }, &unavailable, &ExecuteError::NoRuntime]
                .iter()
                .map(|error| error.kind())
                .collect();
        assert_eq!(
            kinds,
            [
                ExecuteErrorKind::InvalidInput,
                ExecuteErrorKind::UnusableCredentials,
                ExecuteErrorKind::Disabled,
                ExecuteErrorKind::Unavailable,
                ExecuteErrorKind::NoRuntime
            ]
        );
        assert_eq!(invalid.ignored_keys(), ["colour"]);
        assert_eq!(credentials.problems()[0].path, "/credentials");
        assert_eq!(unavailable.retry_after(), Some(Duration::from_secs(7)));
        assert!(invalid.is_input_problem() && credentials.is_input_problem() && !unavailable.is_input_problem());
        assert!(invalid.to_string().contains("ignored undeclared keys: colour"), "{invalid}");
    }
}
