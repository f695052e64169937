//! The `block-server` command line.
//!
//! ```text
//! block-server blocks list [--json]
//! block-server blocks show <ID|NAME>
//! block-server blocks run <ID|NAME> [--input '<json>' | --input @file.json | --input -]
//!                                   [--credentials <file.json>] [--timeout <SECONDS>]
//! block-server env-example
//! ```
//!
//! Before anything else the binary reads `.env` from the working directory, if there
//! is one; variables set in the process win over it. The providers' variables (e.g.
//! `EXAMPLE_API_KEY`) become platform default credentials, usable by every run;
//! `env-example` prints every variable the linked providers read.
//!
//! `--credentials` gives a run credentials of its own (see [`CredentialsFile`]).
//! Runs are for the user [`CLI_USER`]; nothing printed ever contains a secret the
//! command holds (see [`Redactor`]).
//!
//! Exit codes: 0 on success, 1 when a block cannot be found, its input is not JSON or
//! does not fit its schema, the credentials file or `.env` cannot be used, the
//! registry is invalid, or the run emitted `error`; 2 for a malformed command line.

mod blocks;
mod credentials;
mod dotenv;
mod error;
mod input;
mod lookup;
mod table;

use std::io::{self, Write};
use std::process::ExitCode;

use block_core::Registry;
use block_core::provider::env_example;
use clap::{Parser, Subcommand};

pub use blocks::BlocksCommand;
pub use credentials::{CLI_USER, CredentialsFile, Redactor};
pub use dotenv::Environment;
pub use error::CliError;
pub use input::InputSource;

/// Lists and runs the blocks linked into this binary.
#[derive(Debug, Parser)]
#[command(name = "block-server", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect and run blocks.
    #[command(subcommand)]
    Blocks(BlocksCommand),
    /// Print a `.env.example` naming every variable the linked providers read.
    EnvExample,
}

/// Parses the process arguments, runs the command and reports the outcome.
///
/// A malformed command line exits with code 2 (clap prints the usage); every other
/// failure prints `error: ...` on stderr and exits with code 1.
pub fn main() -> ExitCode {
    let env = match Environment::load(&Environment::default_dir()) {
        Ok(env) => env,
        Err(error) => {
            let _ = writeln!(io::stderr().lock(), "error: {error}");
            return ExitCode::from(error.exit_code());
        }
    };
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let outcome = run(cli, &env, &mut out);
    // Whatever was printed must reach the terminal before the error that follows it.
    let flushed = out.flush();
    match outcome.and(flushed.map_err(CliError::Output)) {
        Ok(()) => ExitCode::SUCCESS,
        // `block-server blocks list | head` closes the pipe early; that is not a failure.
        Err(CliError::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(io::stderr().lock(), "error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// Runs a parsed command line, reading variables from `env` and writing results
/// to `out`.
pub fn run(cli: Cli, env: &Environment, out: &mut dyn Write) -> Result<(), CliError> {
    let registry = Registry::global().map_err(CliError::Registry)?;
    match cli.command {
        Command::Blocks(command) => command.run(registry, env, out),
        Command::EnvExample => {
            write!(out, "{}", env_example(registry.providers().iter().copied())).map_err(CliError::Output)
        }
    }
}
