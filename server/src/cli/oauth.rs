//! `block-server oauth-clients ...` (register, list and disable the applications
//! that sign users in through OAuth 2) and `block-server login-link` (a one-time
//! link signing a browser in to the console and for the consent page).

use std::io::Write;

use clap::Subcommand;

use super::table::Table;
use super::{CliError, DataArgs, UrlArgs};
use std::sync::Arc;

use crate::app::open_database;
use crate::domain::secrets::{self, CLIENT_ID_PREFIX, CLIENT_SECRET_PREFIX};
use crate::domain::{OAuthClient, Scope, now_unix};
use crate::services::accounts as bootstrap;
use crate::storage::Storage;

/// The `oauth-clients` subcommands.
#[derive(Debug, Subcommand)]
pub enum OAuthClientsCommand {
    /// Register an application; prints its client id and (shown this once) its
    /// secret.
    Create {
        /// The name shown on the consent page.
        #[arg(long)]
        name: String,
        /// A redirect URI, matched exactly; repeat for several.
        #[arg(long = "redirect-uri", value_name = "URL", required = true)]
        redirect_uris: Vec<String>,
        /// Comma-separated scopes the application may ask for, or `all` [default: all].
        #[arg(long, value_name = "A,B")]
        scopes: Option<String>,
        /// A public client (a browser or mobile app): no secret, PKCE only.
        #[arg(long)]
        public: bool,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// List the applications.
    List {
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Disable an application: it can start no flow and its tokens stop working.
    Disable {
        /// The client id.
        id: String,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(CliError::Runtime)
}

async fn storage(data: &DataArgs) -> Result<Arc<dyn Storage>, CliError> {
    open_database(&data.data_dir, data.database_url.as_deref()).await.map_err(CliError::Serve)
}

impl OAuthClientsCommand {
    /// Runs the subcommand, writing results to `out`.
    pub fn run(self, out: &mut dyn Write) -> Result<(), CliError> {
        runtime()?.block_on(self.run_async(out))
    }

    async fn run_async(self, out: &mut dyn Write) -> Result<(), CliError> {
        match self {
            OAuthClientsCommand::Create { name, redirect_uris, scopes, public, data } => {
                let scopes = match scopes {
                    Some(list) => Scope::parse_list(&list).map_err(|unknown| CliError::UnknownScope { unknown })?,
                    None => Scope::ALL.to_vec(),
                };
                if scopes.is_empty() {
                    return Err(CliError::UnknownScope { unknown: String::new() });
                }
                for uri in &redirect_uris {
                    check_redirect_uri(uri)?;
                }
                let storage = storage(&data).await?;
                let random = || CliError::Bootstrap(bootstrap::BootstrapError::Random);
                let id = format!("{CLIENT_ID_PREFIX}{}", crate::domain::new_id().replace('-', ""));
                let secret =
                    if public { None } else { Some(secrets::new_secret(CLIENT_SECRET_PREFIX).ok_or_else(random)?) };
                let client = OAuthClient {
                    id: id.clone(),
                    name,
                    secret_hash: secret.as_deref().map(secrets::hash),
                    redirect_uris,
                    scopes,
                    disabled: false,
                    created_at: now_unix(),
                };
                storage.create_oauth_client(client).await.map_err(CliError::Storage)?;
                writeln!(out, "client_id: {id}").map_err(CliError::Output)?;
                match secret {
                    Some(secret) => writeln!(out, "client_secret: {secret}\n(the secret is shown this once)"),
                    None => writeln!(out, "public client: no secret; it must use PKCE"),
                }
                .map_err(CliError::Output)
            }
            OAuthClientsCommand::List { data } => {
                let clients = storage(&data).await?.oauth_clients().await.map_err(CliError::Storage)?;
                let mut table = Table::new(vec!["CLIENT ID", "NAME", "TYPE", "STATUS", "SCOPES", "REDIRECT URIS"]);
                for client in &clients {
                    let scopes: Vec<&str> = client.scopes.iter().map(|scope| scope.as_str()).collect();
                    table.row(vec![
                        client.id.clone(),
                        client.name.clone(),
                        if client.secret_hash.is_some() { "confidential" } else { "public" }.to_owned(),
                        if client.disabled { "disabled" } else { "active" }.to_owned(),
                        if scopes.len() == Scope::ALL.len() { "all".to_owned() } else { scopes.join(",") },
                        client.redirect_uris.join(" "),
                    ]);
                }
                table.write(out).map_err(CliError::Output)?;
                writeln!(out, "\n{} client{}", clients.len(), if clients.len() == 1 { "" } else { "s" })
                    .map_err(CliError::Output)
            }
            OAuthClientsCommand::Disable { id, data } => {
                let storage = storage(&data).await?;
                if !storage.disable_oauth_client(&id).await.map_err(CliError::Storage)? {
                    return Err(CliError::UnknownOAuthClient { id });
                }
                writeln!(out, "client {id} is now disabled").map_err(CliError::Output)
            }
        }
    }
}

fn check_redirect_uri(uri: &str) -> Result<(), CliError> {
    let bad = |problem: &str| CliError::BadRedirectUri { uri: uri.to_owned(), problem: problem.to_owned() };
    let parsed = url::Url::parse(uri).map_err(|error| bad(&error.to_string()))?;
    if parsed.fragment().is_some() {
        return Err(bad("a redirect URI must not have a fragment"));
    }
    if parsed.cannot_be_a_base() {
        return Err(bad("a redirect URI must be an absolute URL"));
    }
    Ok(())
}

/// `block-server login-link`: prints a one-time link signing a browser in as the
/// local user (valid 10 minutes).
pub fn login_link(data: &DataArgs, url: &UrlArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let url = url.or_addr(crate::app::ServeConfig::default().addr);
    let lifetime = crate::services::OAuthLifetimes::default().login_link;
    runtime()?.block_on(async {
        let storage = storage(data).await?;
        let storage = storage.as_ref();
        let (user, _) = bootstrap::local_user(storage, data.starting_credits).await.map_err(CliError::Bootstrap)?;
        let link =
            bootstrap::create_console_link(storage, &user.id, &url, lifetime).await.map_err(CliError::LoginLink)?;
        writeln!(out, "{link}").map_err(CliError::Output)
    })
}
