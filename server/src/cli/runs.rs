//! `block-server runs ...`: list, show and stop the local user's runs, straight
//! in the data directory (the server may be running: a running run is stopped
//! by the server holding it, which hears of the request within a heartbeat).

use std::io::Write;

use block_core::Registry;
use clap::Subcommand;

use super::table::Table;
use super::{CliError, DataArgs};
use crate::app::open_database;
use crate::domain::{Run, RunEvent, RunStatus, now_millis};
use crate::services::accounts as bootstrap;
use crate::services::run_input;
use crate::storage::{RunFilter, RunStore, StopOutcome};

/// The `runs` subcommands.
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List the latest runs, newest first: id, kind, block, status, source,
    /// when it was created, what it was charged.
    List {
        /// Only runs in this status (queued, running, completed, failed,
        /// stopped, interrupted).
        #[arg(long, value_name = "STATUS", value_parser = parse_status)]
        status: Option<RunStatus>,
        /// How many runs to list (1-100).
        #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
        limit: u32,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Print one run's whole record as JSON: its input, outputs per pin,
    /// status, error, charge and times.
    Show {
        /// The run's id (from `runs list`).
        id: String,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Stop a run: a queued one at once (nothing is charged), a running one by
    /// asking the server that runs it.
    Stop {
        /// The run's id.
        id: String,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
}

fn parse_status(text: &str) -> Result<RunStatus, String> {
    RunStatus::parse(text)
        .ok_or_else(|| "expected one of queued, running, completed, failed, stopped, interrupted".to_owned())
}

impl RunsCommand {
    /// Runs the subcommand, writing results to `out`.
    pub fn run(self, registry: &Registry, out: &mut dyn Write) -> Result<(), CliError> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(CliError::Runtime)?;
        runtime.block_on(self.run_async(registry, out))
    }

    async fn run_async(self, registry: &Registry, out: &mut dyn Write) -> Result<(), CliError> {
        let data = match &self {
            RunsCommand::List { data, .. } | RunsCommand::Show { data, .. } | RunsCommand::Stop { data, .. } => {
                data.clone()
            }
        };
        let storage = open_database(&data.data_dir, data.database_url.as_deref()).await.map_err(CliError::Serve)?;
        let storage = storage.as_ref();
        let (user, _) = bootstrap::local_user(storage, data.starting_credits).await.map_err(CliError::Bootstrap)?;
        match self {
            RunsCommand::List { status, limit, .. } => {
                let filter = RunFilter { status, ..RunFilter::default() };
                let page = storage.runs(&user.id, &filter, None, limit).await.map_err(CliError::Storage)?;
                list(registry, &page.items, page.total_count, out)
            }
            RunsCommand::Show { id, .. } => {
                let mut run = find(storage, &user.id, &id).await?;
                if let Some(block) = registry.by_id(&run.block_id) {
                    run_input::mask(block, &mut run.input);
                }
                let text = serde_json::to_string_pretty(&run).map_err(|error| CliError::Output(error.into()))?;
                writeln!(out, "{text}").map_err(CliError::Output)
            }
            RunsCommand::Stop { id, .. } => stop(storage, &user.id, &id, out).await,
        }
    }
}

async fn find(storage: &dyn RunStore, user_id: &str, id: &str) -> Result<Run, CliError> {
    storage.run(user_id, id).await.map_err(CliError::Storage)?.ok_or_else(|| CliError::UnknownRun { id: id.to_owned() })
}

fn list(registry: &Registry, runs: &[Run], total: u64, out: &mut dyn Write) -> Result<(), CliError> {
    let mut table = Table::new(vec!["ID", "KIND", "BLOCK", "STATUS", "SOURCE", "CREATED", "CHARGED"]);
    for run in runs {
        let block = registry.by_id(&run.block_id).map_or_else(|| run.block_id.clone(), |block| block.name().to_owned());
        table.row(vec![
            run.id.clone(),
            run.kind.as_str().to_owned(),
            block,
            run.status.as_str().to_owned(),
            run.source.as_str().to_owned(),
            utc(run.created_at),
            run.charged.to_string(),
        ]);
    }
    table.write(out).map_err(CliError::Output)?;
    writeln!(out, "\n{} of {total} run{}", runs.len(), if total == 1 { "" } else { "s" }).map_err(CliError::Output)
}

/// Unix milliseconds as RFC 3339 in UTC, to the second.
fn utc(unix_ms: i64) -> String {
    jiff::Timestamp::from_second(unix_ms.div_euclid(1000)).map_or_else(|_| unix_ms.to_string(), |at| at.to_string())
}

async fn stop(storage: &dyn RunStore, user_id: &str, id: &str, out: &mut dyn Write) -> Result<(), CliError> {
    match storage.request_stop(user_id, id).await.map_err(CliError::Storage)? {
        StopOutcome::NotFound => Err(CliError::UnknownRun { id: id.to_owned() }),
        StopOutcome::AlreadyOver(status) => Err(CliError::RunOver { id: id.to_owned(), status: status.as_str() }),
        StopOutcome::Stopped => {
            // A client following the run's events sees how it ended, as when
            // the API stops it.
            let end = RunEvent {
                run_id: id.to_owned(),
                seq: 1,
                name: RunEvent::END.to_owned(),
                data: serde_json::json!({"status": "stopped", "error": "stopped before it started", "charged": 0}),
                at: now_millis(),
            };
            storage.append_events(vec![end]).await.map_err(CliError::Storage)?;
            storage.flush().await.map_err(CliError::Storage)?;
            writeln!(out, "run {id} stopped before it started; nothing was charged").map_err(CliError::Output)
        }
        StopOutcome::Requested => {
            writeln!(out, "run {id} is running; the server running it stops it within a few seconds")
                .map_err(CliError::Output)
        }
    }
}
