//! Input validation against the block's schema, reporting every problem.

use serde::Serialize;
use serde_json::Value;

use super::RegisteredBlock;
use crate::ExecuteError;

/// One thing wrong with an input: where (a JSON pointer; empty for the whole
/// object) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputProblem {
    /// JSON pointer to the offending value, e.g. `/greetings/2`.
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

impl InputProblem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        InputProblem { path: path.into(), message: message.into() }
    }

    pub(crate) fn join(problems: &[InputProblem]) -> String {
        problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    }
}

impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.path.is_empty() { "input" } else { self.path.as_str() };
        write!(f, "{path}: {}", self.message)
    }
}

pub(super) fn validate(block: &RegisteredBlock, input: &Value) -> Result<(), ExecuteError> {
    if block.validator.is_valid(input) {
        return Ok(());
    }
    let problems = block
        .validator
        .iter_errors(input)
        .map(|error| {
            let path = error.instance_path().as_str();
            let message = if is_secret(&block.input_schema, path) {
                error.masked_with("the secret value").to_string()
            } else {
                error.to_string()
            };
            InputProblem::new(path, message)
        })
        .collect();
    Err(ExecuteError::InvalidInput { block: block.descriptor.name, problems })
}

/// Whether the top-level field `path` starts in is marked `secret`; its value must
/// not be echoed in an error.
fn is_secret(schema: &Value, path: &str) -> bool {
    let field = path.trim_start_matches('/').split('/').next().unwrap_or_default();
    schema["properties"][field]["secret"] == Value::Bool(true)
}
