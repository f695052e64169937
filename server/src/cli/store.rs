//! `block-server store ...`: the operator's curation of the store, straight in
//! the data directory or the `--database-url` database (the server may be
//! running). Featuring is not a user action, so no API key can do it: it is
//! done by whoever runs the server.

use std::io::Write;

use clap::Subcommand;

use super::{CliError, DataArgs};
use crate::app::open_database;
use crate::services::store::{publishing, split_address};

/// A store agent as the store addresses it: `<username>/<slug>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentAddress {
    /// Its creator's username.
    pub username: String,
    /// Its slug.
    pub slug: String,
}

fn parse_address(text: &str) -> Result<AgentAddress, String> {
    split_address(text).map(|(username, slug)| AgentAddress { username, slug }).ok_or_else(|| {
        "expected a store agent as <username>/<slug>, as `GET /external-api/v1/store/agents` lists them".to_owned()
    })
}

/// The `store` subcommands.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Feature a store agent: `featured=true` lists it, and its creator is a
    /// featured creator.
    Feature {
        /// The agent, `<username>/<slug>`.
        #[arg(value_name = "USERNAME/SLUG", value_parser = parse_address)]
        agent: AgentAddress,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Stop featuring a store agent.
    Unfeature {
        /// The agent, `<username>/<slug>`.
        #[arg(value_name = "USERNAME/SLUG", value_parser = parse_address)]
        agent: AgentAddress,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
}

impl StoreCommand {
    /// Runs the subcommand, writing what it did to `out`.
    pub fn run(self, out: &mut dyn Write) -> Result<(), CliError> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(CliError::Runtime)?;
        runtime.block_on(self.run_async(out))
    }

    async fn run_async(self, out: &mut dyn Write) -> Result<(), CliError> {
        let (agent, data, featured) = match self {
            StoreCommand::Feature { agent, data } => (agent, data, true),
            StoreCommand::Unfeature { agent, data } => (agent, data, false),
        };
        let storage = open_database(&data.data_dir, data.database_url.as_deref()).await.map_err(CliError::Serve)?;
        publishing::feature(storage.as_ref(), &agent.username, &agent.slug, featured)
            .await
            .map_err(CliError::Refused)?;
        let AgentAddress { username, slug } = agent;
        if featured {
            writeln!(out, "{username}/{slug} is featured").map_err(CliError::Output)
        } else {
            writeln!(out, "{username}/{slug} is no longer featured").map_err(CliError::Output)
        }
    }
}
