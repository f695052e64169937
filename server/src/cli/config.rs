//! Settings from flags, then the environment (the process's, completed by `.env`
//! at start), then defaults that work with no set-up: clap reads each flag's
//! variable itself (`env = ...`), so every setting is declared once, here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::app::{Role, ServeConfig};
use crate::services::Settings;

/// `BLOCKS_LOG`: the log filter (`RUST_LOG` syntax), `info` by default.
pub const LOG_ENV: &str = "BLOCKS_LOG";

/// The data directory, and what a first use of it creates.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Where the database and the key file live.
    #[arg(long, value_name = "DIR", env = "BLOCKS_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// A PostgreSQL database shared by several server and worker processes
    /// (`postgres://user@host:5432/name`); unset, everything is kept in the data
    /// directory's SQLite file. Never printed: it may hold a password.
    #[arg(long, value_name = "URL", env = "BLOCKS_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Credits the local user starts with, when a command creates it.
    #[arg(long, value_name = "N", env = "BLOCKS_STARTING_CREDITS", default_value_t = Settings::default().starting_credits)]
    pub starting_credits: u64,
}

/// The URL the server is reached at.
#[derive(Debug, Clone, Args)]
pub struct UrlArgs {
    /// The URL the server is reached at, for webhook URLs and links [default:
    /// http://<addr>].
    #[arg(long, value_name = "URL", env = "BLOCKS_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl UrlArgs {
    /// The public URL, or the one of a server on `addr`.
    pub fn or_addr(&self, addr: SocketAddr) -> String {
        self.public_url.clone().filter(|url| !url.trim().is_empty()).unwrap_or_else(|| format!("http://{addr}"))
    }
}

/// Everything `serve` takes.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "HOST:PORT", env = "BLOCKS_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: SocketAddr,
    /// The data directory.
    #[command(flatten)]
    pub data: DataArgs,
    /// The server\'s public URL.
    #[command(flatten)]
    pub url: UrlArgs,
    /// Requests per minute per API key (0: no limit).
    #[arg(long, value_name = "N", env = "BLOCKS_RATE_LIMIT_PER_MINUTE", default_value_t = Settings::default().rate_limit_per_minute)]
    pub rate_limit_per_minute: u32,
    /// Failed authentications per minute per client address before it is refused
    /// for a while (0: no limit).
    #[arg(long, value_name = "N", env = "BLOCKS_AUTH_FAILURES_PER_MINUTE", default_value_t = Settings::default().auth_failures_per_minute)]
    pub auth_failures_per_minute: u32,
    /// The largest request body, in bytes.
    #[arg(long, value_name = "BYTES", env = "BLOCKS_MAX_BODY_BYTES", default_value_t = Settings::default().max_body_bytes)]
    pub max_body_bytes: usize,
    /// Requests served at once; more wait their turn.
    #[arg(long, value_name = "N", env = "BLOCKS_MAX_CONCURRENT_REQUESTS", default_value_t = Settings::default().max_concurrent_requests)]
    pub max_concurrent_requests: usize,
    /// The longest a block may run, in seconds.
    #[arg(long, value_name = "SECS", env = "BLOCKS_EXECUTION_TIMEOUT_SECS", default_value_t = Settings::default().execution_timeout.as_secs())]
    pub execution_timeout_secs: u64,
    /// How long running requests may finish after a shutdown signal, in seconds.
    #[arg(long, value_name = "SECS", env = "BLOCKS_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,
    /// Origins (`https://app.example.com`) that provider logins may send the user
    /// back to, besides the server's own public URL; comma-separated.
    #[arg(long, value_name = "ORIGINS", env = "BLOCKS_OAUTH_CALLBACK_ORIGINS", value_delimiter = ',')]
    pub oauth_callback_origins: Vec<String>,
    /// The log filter (`RUST_LOG` syntax).
    #[arg(long, value_name = "FILTER", env = LOG_ENV, default_value = "info")]
    pub log: String,
    /// Serve HTTP only: runs requested here are queued for `block-server worker`
    /// processes on the same database (or answered inline).
    #[arg(long)]
    pub no_workers: bool,
}

impl ServeArgs {
    /// The serving configuration.
    pub fn config(&self) -> ServeConfig {
        let defaults = Settings::default();
        ServeConfig {
            addr: self.addr,
            data_dir: self.data.data_dir.clone(),
            public_url: self.url.public_url.clone().filter(|url| !url.trim().is_empty()),
            settings: Settings {
                starting_credits: self.data.starting_credits,
                rate_limit_per_minute: self.rate_limit_per_minute,
                auth_failures_per_minute: self.auth_failures_per_minute,
                max_body_bytes: self.max_body_bytes,
                max_concurrent_requests: self.max_concurrent_requests,
                execution_timeout: Duration::from_secs(self.execution_timeout_secs),
                oauth_callback_origins: self
                    .oauth_callback_origins
                    .iter()
                    .map(|origin| origin.trim().trim_end_matches('/').to_owned())
                    .filter(|origin| !origin.is_empty())
                    .collect(),
                ..defaults
            },
            shutdown_grace: Duration::from_secs(self.shutdown_grace_secs),
            database_url: self.data.database_url.clone().filter(|url| !url.trim().is_empty()),
            role: if self.no_workers { Role::Http } else { Role::Both },
        }
    }
}
