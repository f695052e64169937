//! The `block-server` command line.
//!
//! ```text
//! block-server blocks list [--json]
//! block-server blocks show <ID|NAME>
//! block-server blocks run <ID|NAME> [--input '<json>' | --input @file.json | --input -]
//!                                   [--credentials <file.json>] [--timeout <SECONDS>]
//! block-server env-example
//! block-server serve [--addr 127.0.0.1:8000] [--data-dir data] [--public-url URL] [--database-url URL] [--no-workers]
//! block-server worker [--data-dir data] [--database-url URL]
//! block-server keys create --name NAME --scopes A,B [--data-dir DIR]
//! block-server keys list|revoke|suspend|resume [ID] [--data-dir DIR]
//! block-server openapi [--public-url URL]
//! block-server oauth-clients create --name NAME --redirect-uri URL [--scopes A,B] [--public]
//! block-server oauth-clients list|disable [ID] [--data-dir DIR]
//! block-server login-link [--data-dir DIR] [--public-url URL]
//! block-server mcp [--data-dir DIR] [--public-url URL]
//! block-server runs list [--status S] [--limit N] | show <ID> | stop <ID> [--data-dir DIR]
//! block-server schedules list | delete <ID> [--data-dir DIR]
//! block-server schedules create --block B --cron C [--timezone TZ] [--input JSON] [--missed skip|run_once]
//! block-server graphs validate <FILE> | run <FILE|ID> [--input JSON]
//! block-server graphs create <FILE> | list | show <ID> [--version N] [--data-dir DIR]
//! block-server store feature|unfeature <USERNAME/SLUG> [--data-dir DIR] [--database-url URL]
//! ```
//!
//! Before anything else the binary reads `.env` from the working directory, if there
//! is one; variables set in the process win over it. The providers' variables (e.g.
//! `EXAMPLE_API_KEY`) become platform default credentials, usable by every run;
//! `env-example` prints every variable the linked providers read. The server's own
//! settings are read the same way (flags win); see [`config`] for the variables.
//!
//! `--credentials` gives a run credentials of its own (see [`CredentialsFile`]).
//! Runs are for the user [`CLI_USER`]; nothing printed ever contains a secret the
//! command holds (see [`crate::domain::Redactor`]).
//!
//! Exit codes: 0 on success, 1 when a block cannot be found, its input is not JSON or
//! does not fit its schema, the credentials file or `.env` cannot be used, the
//! registry is invalid, or the run emitted `error`; 2 for a malformed command line.

mod blocks;
pub mod config;
mod credentials;
mod dotenv;
mod error;
mod graphs;
mod input;
mod keys;
mod lookup;
mod mcp;
mod oauth;
mod runs;
mod schedules;
mod store;
mod table;

use std::io::{self, Write};
use std::process::ExitCode;

use block_core::Registry;
use block_core::provider::env_example;
use clap::{Parser, Subcommand};

pub use blocks::BlocksCommand;
pub use config::{DataArgs, ServeArgs, UrlArgs};
pub use credentials::{CLI_USER, CredentialsFile};
pub use dotenv::Environment;
pub use error::CliError;
pub use graphs::GraphsCommand;
pub use input::InputSource;
pub use keys::KeysCommand;
pub use mcp::McpArgs;
pub use oauth::OAuthClientsCommand;
pub use runs::RunsCommand;
pub use schedules::SchedulesCommand;
pub use store::{AgentAddress, StoreCommand};

/// Serves, lists and runs the blocks linked into this binary.
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
    /// Serve the External API. A first start on an empty data directory creates the
    /// local user and prints an API key holding every scope.
    Serve(Box<ServeArgs>),
    /// Run queued runs, schedules and polls without serving HTTP: a worker
    /// process beside `serve` processes on one PostgreSQL database
    /// (`--database-url`). Takes the same settings as `serve`; `--addr` is
    /// unused.
    Worker(Box<ServeArgs>),
    /// Manage API keys of the local user.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Register, list and disable OAuth client applications.
    #[command(subcommand, name = "oauth-clients")]
    OauthClients(OAuthClientsCommand),
    /// Print a one-time link that signs a browser in as the local user, to the
    /// console and the OAuth consent page (valid 10 minutes).
    LoginLink {
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
        /// The server\'s public URL.
        #[command(flatten)]
        url: UrlArgs,
    },
    /// Serve the blocks as MCP tools over stdin and stdout, acting as the local
    /// user of the data directory (for a client that starts the server itself).
    Mcp(Box<McpArgs>),
    /// List, show and stop runs of the local user.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// List, create and delete schedules of the local user.
    #[command(subcommand)]
    Schedules(SchedulesCommand),
    /// Check, save, list, show and run graphs (agents).
    #[command(subcommand)]
    Graphs(GraphsCommand),
    /// Curate the store: feature or unfeature a store agent.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Print the OpenAPI document.
    Openapi {
        /// The server\'s public URL.
        #[command(flatten)]
        url: UrlArgs,
    },
}

/// Parses the process arguments, runs the command and reports the outcome.
///
/// A malformed command line exits with code 2 (clap prints the usage); every other
/// failure prints `error: ...` on stderr and exits with code 1.
pub fn main() -> ExitCode {
    // Before anything else (and before any thread exists): `.env` completes the
    // process environment that clap's fallbacks and the providers read.
    let env = match dotenv::load(&Environment::default_dir()) {
        Ok(env) => env,
        Err(error) => {
            let _ = writeln!(io::stderr().lock(), "error: {error}");
            return ExitCode::from(error.exit_code());
        }
    };
    let cli = Cli::parse();
    // `mcp` speaks the protocol on stdout itself: nothing may hold its lock.
    if let Command::Mcp(args) = &cli.command {
        let outcome =
            Registry::global().map_err(CliError::Registry).and_then(|registry| mcp::run(args, registry, &env));
        return exit_code(outcome);
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let outcome = run(cli, &env, &mut out);
    // Whatever was printed must reach the terminal before the error that follows it.
    let flushed = out.flush();
    exit_code(outcome.and(flushed.map_err(CliError::Output)))
}

/// The exit code of a command's outcome, its error printed on stderr.
fn exit_code(outcome: Result<(), CliError>) -> ExitCode {
    match outcome {
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
        Command::Serve(args) => serve(&args, registry, env, out, None),
        Command::Worker(args) => serve(&args, registry, env, out, Some(crate::app::Role::Workers)),
        Command::Keys(command) => command.run(out),
        Command::OauthClients(command) => command.run(out),
        Command::LoginLink { data, url } => oauth::login_link(&data, &url, out),
        // Reached only when called as a library: `main` serves it without
        // holding stdout.
        Command::Mcp(args) => mcp::run(&args, registry, env),
        Command::Runs(command) => command.run(registry, out),
        Command::Schedules(command) => command.run(registry, out),
        Command::Graphs(command) => command.run(registry, env, out),
        Command::Store(command) => command.run(out),
        Command::Openapi { url } => {
            let url = url.or_addr(crate::app::ServeConfig::default().addr);
            let document = crate::api::openapi::document_for(registry, &url);
            let text = serde_json::to_string_pretty(&document).map_err(|error| CliError::Output(error.into()))?;
            writeln!(out, "{text}").map_err(CliError::Output)
        }
    }
}

fn serve(
    args: &ServeArgs,
    registry: &'static Registry,
    env: &Environment,
    out: &mut dyn Write,
    role: Option<crate::app::Role>,
) -> Result<(), CliError> {
    let mut config = args.config();
    if let Some(role) = role {
        config.role = role;
    }
    // The MCP SDK logs every session at `info`; its warnings are what an operator needs.
    let directives = if args.log.contains("rmcp") { args.log.clone() } else { format!("{},rmcp=warn", args.log) };
    let filter = tracing_subscriber::EnvFilter::try_new(&directives)
        .map_err(|error| CliError::Config { variable: config::LOG_ENV, problem: error.to_string() })?;
    // Logs go to stderr; stdout carries only what the command prints on purpose.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(io::stderr).with_ansi(false).try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)?;
    runtime.block_on(crate::app::serve(config, registry, |name| env.var(name), out)).map_err(CliError::Serve)
}
