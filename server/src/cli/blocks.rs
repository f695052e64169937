//! `block-server blocks ...`: list, show and run blocks.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use block_core::provider::platform_credentials;
use block_core::{ExecuteError, Executor, InMemoryCredentialStore, RegisteredBlock, Registry, RunOptions, Value};
use clap::Subcommand;

use super::credentials::{CLI_USER, CredentialsFile};
use super::dotenv::Environment;
use super::input::InputSource;
use super::table::Table;
use super::{CliError, lookup};
use crate::domain::Redactor;

/// The `blocks` subcommands.
#[derive(Debug, Subcommand)]
pub enum BlocksCommand {
    /// List every enabled block: name, id, categories and output pins.
    List {
        /// Print the list as JSON, in the shape of the reference platform's
        /// `GET /blocks`.
        #[arg(long)]
        json: bool,
    },
    /// Print one block's info (schemas included) as JSON.
    Show {
        /// The block's id or name.
        #[arg(value_name = "ID|NAME")]
        block: String,
    },
    /// Run a block and print its outputs as `{pin: [values]}`.
    Run {
        /// The block's id or name.
        #[arg(value_name = "ID|NAME")]
        block: String,
        /// The input object: inline JSON, `@file.json` to read a file, or `-` to read
        /// stdin. Defaults to `{}`.
        #[arg(long, short, value_name = "JSON|@FILE|-")]
        input: Option<InputSource>,
        /// A JSON file mapping credentials field names to full credentials (meta and
        /// secret fields, e.g. `{"credentials": {"id": "k1", "provider": "example",
        /// "type": "api_key", "title": "Mine", "api_key": "..."}}`). They are used for
        /// this run only, and named in the input where `--input` names none.
        #[arg(long, value_name = "FILE")]
        credentials: Option<PathBuf>,
        /// Give up on the run after this many seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
        timeout: u64,
    },
}

impl BlocksCommand {
    /// Runs the subcommand against `registry`, writing results to `out`; platform
    /// default credentials come from `env`.
    pub fn run(self, registry: &Registry, env: &Environment, out: &mut dyn Write) -> Result<(), CliError> {
        match self {
            BlocksCommand::List { json: true } => {
                writeln!(out, "{}", registry.listing_json()).map_err(CliError::Output)
            }
            BlocksCommand::List { json: false } => list(registry, out),
            BlocksCommand::Show { block } => {
                let block = lookup::find(registry, &block)?;
                write_json(out, block.info())
            }
            BlocksCommand::Run { block, input, credentials, timeout } => {
                let block = lookup::find(registry, &block)?;
                let mut input = match input {
                    Some(source) => source.read_json()?,
                    None => Value::Object(Default::default()),
                };
                let mut redactor = Redactor::default();
                let platform = platform_credentials(registry.providers().iter().copied(), |name| env.var(name));
                platform.iter().for_each(|stored| redactor.add(stored));
                let mut store = InMemoryCredentialStore::new().with_platform(platform);
                if let Some(path) = credentials {
                    let file = CredentialsFile::read(&path, block)?;
                    file.credentials().for_each(|stored| redactor.add(stored));
                    file.inject_into(&mut input);
                    store = store.with_user(CLI_USER, file.credentials().cloned());
                }
                let executor = Executor::new().with_credentials(Arc::new(store));
                run(block, input, &executor, Duration::from_secs(timeout), &redactor, out)
            }
        }
    }
}

fn list(registry: &Registry, out: &mut dyn Write) -> Result<(), CliError> {
    let mut table = Table::new(vec!["NAME", "ID", "CATEGORIES", "OUTPUTS"]);
    let mut count = 0;
    for block in registry.blocks().filter(|block| !block.descriptor().disabled) {
        let descriptor = block.descriptor();
        let categories: Vec<&str> = descriptor.categories.iter().map(|category| category.as_str()).collect();
        table.row(vec![
            block.name().to_owned(),
            block.id().to_owned(),
            categories.join(","),
            descriptor.pins.join(", "),
        ]);
        count += 1;
    }
    table.write(out).map_err(CliError::Output)?;
    writeln!(out, "\n{count} block{}", if count == 1 { "" } else { "s" }).map_err(CliError::Output)
}

/// Runs `block` for [`CLI_USER`] and prints its outputs; every secret in `redactor`
/// is erased from what is printed, whatever the block emitted.
fn run(
    block: &RegisteredBlock,
    input: Value,
    executor: &Executor,
    timeout: Duration,
    redactor: &Redactor,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)?;
    let context = RunOptions::for_user(CLI_USER).with_timeout(timeout);
    let outputs = runtime.block_on(async {
        let execution = executor.execute(block, input, context).await?;
        Ok::<_, ExecuteError>(execution.collect().await)
    });
    let outputs = outputs.map_err(|error| match error {
        ExecuteError::InvalidInput { block, problems, .. }
        | ExecuteError::UnusableCredentials { block, problems, .. } => {
            CliError::InvalidInput { block, problems: redactor.apply_to_problems(problems) }
        }
        ExecuteError::Disabled { block } => CliError::Disabled { block },
        // The runtime above is running; any other refusal is reported as it is.
        other => CliError::RunFailed { block: block.name(), message: redactor.apply(&other.to_string()) },
    })?;
    write_redacted_json(out, &outputs.to_json(), redactor)?;
    if outputs.is_success() {
        return Ok(());
    }
    let message = outputs.error().unwrap_or("the run emitted an error without a message");
    Err(CliError::RunFailed { block: block.name(), message: redactor.apply(message) })
}

fn write_json(out: &mut dyn Write, value: &Value) -> Result<(), CliError> {
    write_redacted_json(out, value, &Redactor::default())
}

fn write_redacted_json(out: &mut dyn Write, value: &Value, redactor: &Redactor) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|error| CliError::Output(error.into()))?;
    writeln!(out, "{}", redactor.apply(&text)).map_err(CliError::Output)
}
