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

impl RegisteredBlock {
    /// Brings `input` to what the block declares, as the reference platform does
    /// before validating: top-level keys the block does not declare are removed,
    /// and so are `null`s of fields that may be left out (an `Option`, or a field
    /// with a default, which then takes it). Returns the removed undeclared keys, in
    /// input order, so a caller can name them (typos stay visible).
    ///
    /// The schema keeps `additionalProperties: false` for strict clients; only this
    /// step is lenient. Hidden fields (a trigger's `payload`) are declared, so they
    /// are kept.
    pub fn normalise_input(&self, input: &mut Value) -> Vec<String> {
        let Value::Object(fields) = input else { return Vec::new() };
        let properties = self.input_schema["properties"].as_object();
        let required = self.input_schema["required"].as_array();
        let mut ignored = Vec::new();
        fields.retain(|key, value| {
            if !properties.is_some_and(|properties| properties.contains_key(key)) {
                ignored.push(key.clone());
                return false;
            }
            // A required field keeps its null, so that validation names it.
            !value.is_null() || required.is_some_and(|required| required.iter().any(|name| name == key.as_str()))
        });
        ignored
    }

    /// [`normalise_input`](Self::normalise_input), then
    /// [`input_problems`](Self::input_problems): the undeclared keys removed and
    /// what is still wrong. An input that fits as it is and has no `null` (the
    /// common case) is checked once and left alone, without a lookup per key.
    ///
    /// What [`Executor::prepare`](crate::Executor::prepare) does first; a server
    /// that stores an input to run it later checks it with this when it is given.
    pub fn normalise_and_check(&self, input: &mut Value) -> (Vec<String>, Vec<InputProblem>) {
        let has_null = input.as_object().is_some_and(|fields| fields.values().any(Value::is_null));
        // A fitting input has no undeclared key: the schema forbids them.
        if !has_null && self.validator.is_valid(input) {
            return (Vec::new(), Vec::new());
        }
        let ignored = self.normalise_input(input);
        let problems = self.input_problems(input);
        (ignored, problems)
    }

    /// Every way `input` does not fit the input schema, each at its JSON pointer;
    /// empty when it fits. Values of `secret` fields are never quoted.
    pub fn input_problems(&self, input: &Value) -> Vec<InputProblem> {
        if self.validator.is_valid(input) {
            return Vec::new();
        }
        self.validator
            .iter_errors(input)
            .map(|error| {
                let path = error.instance_path().as_str();
                let message = if is_secret(&self.input_schema, path) {
                    error.masked_with("the secret value").to_string()
                } else {
                    error.to_string()
                };
                InputProblem::new(path, message)
            })
            .collect()
    }
}

impl RegisteredBlock {
    /// The top-level input fields marked `secret` (`#[block_input(secret)]`): their
    /// values must not be shown or stored in the clear.
    pub fn secret_fields(&self) -> impl Iterator<Item = &str> {
        self.secret_fields.iter().map(String::as_str)
    }
}

/// The top-level fields `input_schema` marks `secret`.
pub(super) fn secret_fields_of(input_schema: &Value) -> Box<[String]> {
    input_schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, field)| field["secret"] == Value::Bool(true))
        .map(|(name, _)| name.clone())
        .collect()
}

pub(super) fn validate(block: &RegisteredBlock, input: &Value) -> Result<(), ExecuteError> {
    let problems = block.input_problems(input);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ExecuteError::InvalidInput { block: block.descriptor.name, problems, ignored: Vec::new() })
    }
}

/// Whether the top-level field `path` starts in is marked `secret`; its value must
/// not be echoed in an error.
fn is_secret(schema: &Value, path: &str) -> bool {
    let field = path.trim_start_matches('/').split('/').next().unwrap_or_default();
    schema["properties"][field]["secret"] == Value::Bool(true)
}
