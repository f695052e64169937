//! `block-server schedules ...`: list, create and delete the local user's
//! schedules, straight in the data directory. A running server's scheduler
//! sees a new schedule within a second; with none running, the fires missed
//! meanwhile follow the schedule's missed-fire policy at its next start.

use std::io::Write;

use block_core::{Registry, Value};
use clap::Subcommand;

use super::input::InputSource;
use super::table::Table;
use super::{CliError, DataArgs, lookup};
use crate::app::open_database;
use crate::domain::{Cipher, KEY_ENV, MissedFires};
use crate::services::accounts as bootstrap;
use crate::services::schedules::{self, NewSchedule, ScheduleView};

/// The `schedules` subcommands.
#[derive(Debug, Subcommand)]
pub enum SchedulesCommand {
    /// List the schedules: id, name, block, pattern, time zone, missed-fire
    /// policy, next fire time, last run.
    List {
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Create a schedule and print its id, then its next fire times.
    Create {
        /// The block to run: its id or name.
        #[arg(long, value_name = "ID|NAME")]
        block: String,
        /// The cron pattern: five fields (minute hour day-of-month month
        /// day-of-week) or six with seconds first, e.g. '0 9 * * MON-FRI'.
        #[arg(long, value_name = "PATTERN")]
        cron: String,
        /// The IANA time zone the pattern is read in [default: the local
        /// user's, UTC unless changed].
        #[arg(long, value_name = "TZ")]
        timezone: Option<String>,
        /// The block's input: JSON, @file.json, or - for stdin [default: {}].
        #[arg(long, value_name = "JSON")]
        input: Option<InputSource>,
        /// What happens to fire times missed while no server ran.
        #[arg(long, value_name = "POLICY", default_value = "skip", value_parser = parse_missed)]
        missed: MissedFires,
        /// A name to recognise it by [default: the block's name].
        #[arg(long)]
        name: Option<String>,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Delete a schedule; runs it already queued stay.
    Delete {
        /// The schedule's id (from `schedules list`).
        id: String,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
}

fn parse_missed(text: &str) -> Result<MissedFires, String> {
    MissedFires::parse(text).ok_or_else(|| "expected `skip` or `run_once`".to_owned())
}

impl SchedulesCommand {
    /// Runs the subcommand, writing results to `out`.
    pub fn run(self, registry: &Registry, out: &mut dyn Write) -> Result<(), CliError> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(CliError::Runtime)?;
        runtime.block_on(self.run_async(registry, out))
    }

    async fn run_async(self, registry: &Registry, out: &mut dyn Write) -> Result<(), CliError> {
        let data = match &self {
            SchedulesCommand::List { data }
            | SchedulesCommand::Create { data, .. }
            | SchedulesCommand::Delete { data, .. } => data.clone(),
        };
        let storage = open_database(&data.data_dir, data.database_url.as_deref()).await.map_err(CliError::Serve)?;
        let storage = storage.as_ref();
        let (user, _) = bootstrap::local_user(storage, data.starting_credits).await.map_err(CliError::Bootstrap)?;
        match self {
            SchedulesCommand::List { .. } => {
                let views = schedules::list(storage, registry, &user.id).await.map_err(CliError::Refused)?;
                list(registry, &views, out)
            }
            SchedulesCommand::Create { block, cron, timezone, input, missed, name, .. } => {
                // The command line's own lookup: it forgives case and a
                // missing `Block` suffix, and suggests close names.
                let block = lookup::find(registry, &block)?;
                let input = match input {
                    Some(source) => source.read_json()?,
                    None => Value::Object(serde_json::Map::new()),
                };
                let new = NewSchedule { block: block.id().to_owned(), input, cron, timezone, missed, name };
                let key = std::env::var(KEY_ENV).ok();
                let (cipher, _) = Cipher::load(key.as_deref(), &data.data_dir).map_err(CliError::Key)?;
                let created =
                    schedules::create(storage, registry, &cipher, &user, new).await.map_err(CliError::Refused)?;
                writeln!(out, "{}", created.schedule.id).map_err(CliError::Output)?;
                writeln!(out, "next fire times ({}):", created.schedule.timezone).map_err(CliError::Output)?;
                for fire in &created.next_fires {
                    writeln!(out, "  {}", fire.local).map_err(CliError::Output)?;
                }
                Ok(())
            }
            SchedulesCommand::Delete { id, .. } => {
                schedules::delete(storage, &user.id, &id).await.map_err(CliError::Refused)?;
                writeln!(out, "schedule {id} deleted").map_err(CliError::Output)
            }
        }
    }
}

fn list(registry: &Registry, views: &[ScheduleView], out: &mut dyn Write) -> Result<(), CliError> {
    let mut table = Table::new(vec!["ID", "NAME", "BLOCK", "CRON", "TIMEZONE", "MISSED", "NEXT FIRE", "LAST RUN"]);
    for ScheduleView { schedule, next_fires } in views {
        let target = schedule.target.id();
        let block = registry.by_id(target).map_or_else(|| target.to_owned(), |block| block.name().to_owned());
        let last = match (&schedule.last_run_id, &schedule.last_error) {
            (_, Some(error)) => format!("failed: {error}"),
            (Some(run), None) => run.clone(),
            (None, None) => "never".to_owned(),
        };
        table.row(vec![
            schedule.id.clone(),
            schedule.name.clone(),
            block,
            schedule.cron.clone(),
            schedule.timezone.clone(),
            schedule.missed.as_str().to_owned(),
            next_fires.first().map_or_else(|| "none".to_owned(), |fire| fire.local.clone()),
            last,
        ]);
    }
    table.write(out).map_err(CliError::Output)?;
    writeln!(out, "\n{} schedule{}", views.len(), if views.len() == 1 { "" } else { "s" }).map_err(CliError::Output)
}
