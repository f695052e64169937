//! `block-server blocks ...`: list, show and run blocks.

use std::io::Write;
use std::time::Duration;

use block_core::{ExecContext, ExecuteError, Executor, RegisteredBlock, Registry, Value};
use clap::Subcommand;

use super::input::InputSource;
use super::table::Table;
use super::{CliError, lookup};

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
        /// Give up on the run after this many seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
        timeout: u64,
    },
}

impl BlocksCommand {
    /// Runs the subcommand against `registry`, writing results to `out`.
    pub fn run(self, registry: &Registry, out: &mut dyn Write) -> Result<(), CliError> {
        match self {
            BlocksCommand::List { json: true } => {
                writeln!(out, "{}", registry.listing_json()).map_err(CliError::Output)
            }
            BlocksCommand::List { json: false } => list(registry, out),
            BlocksCommand::Show { block } => {
                let block = lookup::find(registry, &block)?;
                write_json(out, block.info())
            }
            BlocksCommand::Run { block, input, timeout } => {
                let block = lookup::find(registry, &block)?;
                let input = match input {
                    Some(source) => source.read_json()?,
                    None => Value::Object(Default::default()),
                };
                run(block, input, Duration::from_secs(timeout), out)
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

fn run(block: &RegisteredBlock, input: Value, timeout: Duration, out: &mut dyn Write) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)?;
    let context = ExecContext::default().with_timeout(timeout);
    let outputs = runtime.block_on(async {
        let execution = Executor::new().execute(block, input, context).await?;
        Ok::<_, ExecuteError>(execution.collect().await)
    });
    let outputs = outputs.map_err(|error| match error {
        ExecuteError::InvalidInput { block, problems } => CliError::InvalidInput { block, problems },
        ExecuteError::Disabled { block } => CliError::Disabled { block },
        // The runtime above is running; any other refusal is reported as it is.
        other => CliError::RunFailed { block: block.name(), message: other.to_string() },
    })?;
    write_json(out, &outputs.to_json())?;
    if outputs.is_success() {
        return Ok(());
    }
    let message = outputs.error().unwrap_or("the run emitted an error without a message");
    Err(CliError::RunFailed { block: block.name(), message: message.to_owned() })
}

fn write_json(out: &mut dyn Write, value: &Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|error| CliError::Output(error.into()))?;
    writeln!(out, "{text}").map_err(CliError::Output)
}
