//! `block-server mcp`: the MCP tools over standard input and output, acting as
//! the local user of a data directory, with the server's storage, credentials
//! and key. It starts no workers and no scheduler (a server may be running on
//! the same directory), and it prints nothing but the protocol on stdout.

use block_core::oauth::OAuthHandlers;
use block_core::provider::platform_credentials;

use super::database::{load_cipher, open_database};
use super::serve::{ServeConfig, ServeError};
use crate::domain::{Caller, KEY_ENV, Scope};
use crate::services::accounts;
use crate::services::{AppState, SharedRegistry};

/// Serves the tools of `registry` over stdio as the local user of
/// `config.data_dir` (created, with the user, on first use), until the client
/// closes stdin.
pub async fn serve_mcp_stdio(
    config: ServeConfig,
    registry: impl Into<SharedRegistry>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(), ServeError> {
    let registry: SharedRegistry = registry.into();
    let storage = open_database(&config.data_dir, config.database_url.as_deref()).await?;
    let (cipher, _) = load_cipher(env(KEY_ENV), &config.data_dir, storage.shared_by_processes()).await?;
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{}", config.addr));
    let platform = platform_credentials(registry.providers().iter().copied(), &env);
    let (oauth, _) = OAuthHandlers::from_env(registry.providers().iter().copied(), &env);
    let settings = crate::services::Settings { public_url, ..config.settings };
    let starting_credits = settings.starting_credits;
    let state = AppState::builder(registry, storage.clone(), cipher)
        .platform_credentials(platform)
        .oauth(oauth)
        .settings(settings)
        .build()
        .await?;
    let (user, _) = accounts::local_user(storage.as_ref(), starting_credits).await?;
    tracing::info!(data_dir = %config.data_dir.display(), user = %user.id, "serving MCP on stdio");
    let caller = Caller { key_id: format!("mcp-stdio:{}", user.id), user, scopes: Scope::ALL.to_vec(), audience: None };
    let served = crate::mcp::stdio::serve(state, caller).await;
    // The writes of the last runs may still be queued.
    if let Err(error) = crate::storage::RunStore::flush(storage.as_ref()).await {
        tracing::error!(%error, "writing the last run records failed");
    }
    served.map_err(|error| ServeError::Io { what: "serving MCP on stdio failed".into(), error })
}
