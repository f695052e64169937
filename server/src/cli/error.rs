//! Why a command failed, worded for the person at the terminal.

use std::io;
use std::path::PathBuf;

use block_core::RegistryError;
use block_core::registry::InputProblem;

use super::input::NotJson;

/// A failed command. Its `Display` is the message printed after `error: `.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The linked blocks do not form a valid registry; every problem is listed.
    #[error("{0}")]
    Registry(RegistryError),
    /// No block has this id or name.
    #[error("no block has the id or name `{query}`{}", suggestions_text(.suggestions))]
    UnknownBlock {
        /// What was asked for.
        query: String,
        /// Close names, best first.
        suggestions: Vec<&'static str>,
    },
    /// The `--input` file or stdin could not be read.
    #[error("could not read the input from {source_name}: {error}")]
    InputUnreadable {
        /// Where the input was read from.
        source_name: String,
        /// Why reading failed.
        error: io::Error,
    },
    /// The input is not JSON.
    #[error("{0}")]
    InputNotJson(NotJson),
    /// The input does not fit the block's schema.
    #[error(
        "invalid input for {block}:{}\n(see `block-server blocks show {block}` for its input schema)",
        problems_text(.problems)
    )]
    InvalidInput {
        /// The block's name.
        block: &'static str,
        /// Every problem, each with its JSON pointer.
        problems: Vec<InputProblem>,
    },
    /// The block is disabled.
    #[error("block {block} is disabled and cannot be run")]
    Disabled {
        /// The block's name.
        block: &'static str,
    },
    /// The run emitted `error`; the outputs were printed before it.
    #[error("{block} failed: {message}")]
    RunFailed {
        /// The block's name.
        block: &'static str,
        /// The value of the `error` output.
        message: String,
    },
    /// The `--credentials` file cannot be used. The problem names the field, never a
    /// secret value.
    #[error("the credentials file {}: {problem}", .path.display())]
    CredentialsFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, and with which field.
        problem: String,
    },
    /// `.env` exists but could not be read.
    #[error("could not read {}: {error}", .path.display())]
    DotEnvUnreadable {
        /// The file.
        path: PathBuf,
        /// Why reading failed.
        error: io::Error,
    },
    /// A line of `.env` is malformed; only its number is shown, as it may hold a secret.
    #[error("{} line {line}: {reason}", .path.display())]
    DotEnvSyntax {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        reason: &'static str,
    },
    /// A setting from the environment is malformed.
    #[error("{variable}: {problem}")]
    Config {
        /// The variable.
        variable: &'static str,
        /// What is wrong with its value.
        problem: String,
    },
    /// The server could not start or failed.
    #[error("{0}")]
    Serve(crate::app::ServeError),
    /// The encryption key could not be read or made.
    #[error("the encryption key: {0}")]
    Key(crate::domain::CryptoError),
    /// The storage failed.
    #[error("{0}")]
    Storage(crate::storage::StorageError),
    /// The local user or a key could not be created.
    #[error("{0}")]
    Bootstrap(crate::services::accounts::BootstrapError),
    /// `--scopes` names no scope or an unknown one.
    #[error(
        "unknown scope `{unknown}`; scopes are {} (or `all`)",
        crate::domain::Scope::ALL.map(|scope| scope.as_str()).join(", ")
    )]
    UnknownScope {
        /// The unknown name (empty when none was given).
        unknown: String,
    },
    /// No key of the local user has this id.
    #[error("no API key has the id `{id}`; see `block-server keys list`")]
    UnknownKey {
        /// The id given.
        id: String,
    },
    /// A revoked key cannot be used again.
    #[error("key {id} is revoked for good; create a new one with `block-server keys create`")]
    KeyRevoked {
        /// The key's id.
        id: String,
    },
    /// No OAuth client has this id.
    #[error("no OAuth client has the id `{id}`; see `block-server oauth-clients list`")]
    UnknownOAuthClient {
        /// The id given.
        id: String,
    },
    /// A redirect URI given to `oauth-clients create` is not an absolute URL.
    #[error("`{uri}` is not a usable redirect URI: {problem}")]
    BadRedirectUri {
        /// The URI given.
        uri: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A sign-in link could not be made.
    #[error("{0}")]
    LoginLink(crate::services::accounts::BootstrapError),
    /// No run of the local user has this id.
    #[error("no run has the id `{id}`; see `block-server runs list`")]
    UnknownRun {
        /// The id given.
        id: String,
    },
    /// The run to stop had already ended.
    #[error("run {id} already ended: {status}")]
    RunOver {
        /// The run's id.
        id: String,
        /// How it ended.
        status: &'static str,
    },
    /// A service refused the command (an unknown schedule, an invalid one with
    /// every problem listed, ...).
    #[error("{}", refusal_text(.0))]
    Refused(crate::services::ServiceError),
    /// The async runtime could not start.
    #[error("could not start the async runtime: {0}")]
    Runtime(io::Error),
    /// Writing the results failed.
    #[error("could not write the output: {0}")]
    Output(io::Error),
}

impl CliError {
    /// The process exit code for this failure. Usage errors (2) never get here: clap
    /// reports them itself.
    pub fn exit_code(&self) -> u8 {
        1
    }
}

fn suggestions_text(suggestions: &[&str]) -> String {
    match suggestions {
        [] => "; run `block-server blocks list` to see every block".to_owned(),
        [one] => format!("; did you mean `{one}`?"),
        many => {
            format!("; did you mean one of: {}?", many.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "))
        }
    }
}

fn problems_text(problems: &[InputProblem]) -> String {
    problems.iter().map(|problem| format!("\n  - {problem}")).collect()
}

/// A refusal's message; one listing problems shows each on its own line.
fn refusal_text(refusal: &crate::services::ServiceError) -> String {
    let problems = refusal.details()["problems"].as_array().cloned().unwrap_or_default();
    let lines: Vec<String> = problems
        .iter()
        .filter_map(|problem| Some(format!("\n  - {}: {}", problem["path"].as_str()?, problem["message"].as_str()?)))
        .collect();
    match refusal.message().split_once(": ") {
        Some((heading, _)) if !lines.is_empty() => format!("{heading}:{}", lines.concat()),
        _ => refusal.message().to_owned(),
    }
}
