//! `block-server keys ...`: create, list, revoke, suspend and resume API keys of
//! the local user, straight in the data directory (the server may be running).

use std::io::Write;

use block_core::ExposeSecret;
use clap::Subcommand;

use super::table::Table;
use super::{CliError, DataArgs};
use crate::app::open_database;
use crate::domain::{KeyStatus, Scope};
use crate::services::accounts as bootstrap;
use crate::storage::AccountStore;

/// The `keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it (only the key, shown this once). On a fresh data
    /// directory the local user is created first.
    Create {
        /// A name to recognise the key by.
        #[arg(long)]
        name: String,
        /// Comma-separated scopes (e.g. `READ_BLOCK,EXECUTE_BLOCK`), or `all`.
        #[arg(long, value_name = "A,B")]
        scopes: String,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// List the keys: id, name, hint, status, scopes, last use.
    List {
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revoke a key for good; it stops working at once.
    Revoke {
        /// The key's id (from `keys list`).
        id: String,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Suspend a key until it is resumed.
    Suspend {
        /// The key's id.
        id: String,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Resume a suspended key.
    Resume {
        /// The key's id.
        id: String,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
}

impl KeysCommand {
    /// Runs the subcommand, writing results to `out`.
    pub fn run(self, out: &mut dyn Write) -> Result<(), CliError> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(CliError::Runtime)?;
        runtime.block_on(self.run_async(out))
    }

    async fn run_async(self, out: &mut dyn Write) -> Result<(), CliError> {
        let data = match &self {
            KeysCommand::Create { data, .. }
            | KeysCommand::List { data }
            | KeysCommand::Revoke { data, .. }
            | KeysCommand::Suspend { data, .. }
            | KeysCommand::Resume { data, .. } => data.clone(),
        };
        let storage = open_database(&data.data_dir, data.database_url.as_deref()).await.map_err(CliError::Serve)?;
        let storage = storage.as_ref();
        let (user, _) = bootstrap::local_user(storage, data.starting_credits).await.map_err(CliError::Bootstrap)?;
        match self {
            KeysCommand::Create { name, scopes, .. } => {
                let scopes = Scope::parse_list(&scopes).map_err(|unknown| CliError::UnknownScope { unknown })?;
                if scopes.is_empty() {
                    return Err(CliError::UnknownScope { unknown: String::new() });
                }
                let (key, _) =
                    bootstrap::create_api_key(storage, &user.id, &name, scopes).await.map_err(CliError::Bootstrap)?;
                writeln!(out, "{}", key.key.expose_secret()).map_err(CliError::Output)
            }
            KeysCommand::List { .. } => list(storage, &user.id, out).await,
            KeysCommand::Revoke { id, .. } => set_status(storage, &user.id, &id, KeyStatus::Revoked, out).await,
            KeysCommand::Suspend { id, .. } => set_status(storage, &user.id, &id, KeyStatus::Suspended, out).await,
            KeysCommand::Resume { id, .. } => set_status(storage, &user.id, &id, KeyStatus::Active, out).await,
        }
    }
}

async fn list(storage: &dyn AccountStore, user_id: &str, out: &mut dyn Write) -> Result<(), CliError> {
    let keys = storage.api_keys(user_id).await.map_err(CliError::Storage)?;
    let mut table = Table::new(vec!["ID", "NAME", "KEY", "STATUS", "SCOPES", "LAST USED"]);
    for key in &keys {
        let scopes: Vec<&str> = key.scopes.iter().map(|scope| scope.as_str()).collect();
        let scopes = if key.scopes.len() == Scope::ALL.len() { "all".to_owned() } else { scopes.join(",") };
        let last_used = key.last_used_at.map_or_else(|| "never".to_owned(), |at| format!("{at} (unix)"));
        table.row(vec![
            key.id.clone(),
            key.name.clone(),
            key.hint.clone(),
            key.status.as_str().to_owned(),
            scopes,
            last_used,
        ]);
    }
    table.write(out).map_err(CliError::Output)?;
    writeln!(out, "\n{} key{}", keys.len(), if keys.len() == 1 { "" } else { "s" }).map_err(CliError::Output)
}

async fn set_status(
    storage: &dyn AccountStore,
    user_id: &str,
    id: &str,
    status: KeyStatus,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let keys = storage.api_keys(user_id).await.map_err(CliError::Storage)?;
    let key = keys.iter().find(|key| key.id == id).ok_or_else(|| CliError::UnknownKey { id: id.to_owned() })?;
    if key.status == KeyStatus::Revoked && status != KeyStatus::Revoked {
        return Err(CliError::KeyRevoked { id: id.to_owned() });
    }
    storage.set_api_key_status(user_id, id, status).await.map_err(CliError::Storage)?;
    writeln!(out, "key {id} is now {}", status.as_str()).map_err(CliError::Output)
}
