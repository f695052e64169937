//! Settings from flags, then the environment (the process's, then `.env`), then
//! defaults that work with no set-up.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::{CliError, Environment};
use crate::app::ServeConfig;
use crate::services::Settings;

/// `BLOCKS_ADDR`: where `serve` listens.
pub const ADDR_ENV: &str = "BLOCKS_ADDR";
/// `BLOCKS_DATA_DIR`: the data directory.
pub const DATA_DIR_ENV: &str = "BLOCKS_DATA_DIR";
/// `BLOCKS_PUBLIC_URL`: the URL the server is reached at (webhook ingress URLs).
pub const PUBLIC_URL_ENV: &str = "BLOCKS_PUBLIC_URL";
/// `BLOCKS_STARTING_CREDITS`: credits of a new user.
pub const STARTING_CREDITS_ENV: &str = "BLOCKS_STARTING_CREDITS";
/// `BLOCKS_RATE_LIMIT_PER_MINUTE`: requests per minute per API key (0: no limit).
pub const RATE_LIMIT_ENV: &str = "BLOCKS_RATE_LIMIT_PER_MINUTE";
/// `BLOCKS_MAX_BODY_BYTES`: the largest request body.
pub const MAX_BODY_ENV: &str = "BLOCKS_MAX_BODY_BYTES";
/// `BLOCKS_EXECUTION_TIMEOUT_SECS`: the longest a block may run.
pub const EXECUTION_TIMEOUT_ENV: &str = "BLOCKS_EXECUTION_TIMEOUT_SECS";
/// `BLOCKS_SHUTDOWN_GRACE_SECS`: how long running requests may finish after a
/// shutdown signal.
pub const SHUTDOWN_GRACE_ENV: &str = "BLOCKS_SHUTDOWN_GRACE_SECS";
/// `BLOCKS_LOG`: the log filter (`RUST_LOG` syntax), `info` by default.
pub const LOG_ENV: &str = "BLOCKS_LOG";
/// Comma-separated origins (`https://app.example.com`) that provider logins may
/// send the user back to, besides the server's own public URL.
pub const OAUTH_CALLBACK_ORIGINS_ENV: &str = "BLOCKS_OAUTH_CALLBACK_ORIGINS";

/// `flag`, else the variable `name` parsed, else `default`.
fn pick<T: FromStr>(flag: Option<T>, env: &Environment, name: &'static str, default: T) -> Result<T, CliError>
where
    T::Err: std::fmt::Display,
{
    if let Some(value) = flag {
        return Ok(value);
    }
    match env.var(name).filter(|value| !value.trim().is_empty()) {
        Some(text) => {
            text.trim().parse().map_err(|error: T::Err| CliError::Config { variable: name, problem: error.to_string() })
        }
        None => Ok(default),
    }
}

/// The data directory: `--data-dir`, `BLOCKS_DATA_DIR`, or `./data`.
pub fn data_dir(flag: Option<PathBuf>, env: &Environment) -> Result<PathBuf, CliError> {
    pick(flag, env, DATA_DIR_ENV, ServeConfig::default().data_dir)
}

/// The whole serving configuration.
pub fn serve_config(
    addr: Option<SocketAddr>,
    data_dir_flag: Option<PathBuf>,
    public_url: Option<String>,
    env: &Environment,
) -> Result<ServeConfig, CliError> {
    let defaults = ServeConfig::default();
    let settings = Settings::default();
    let public_url = public_url.or_else(|| env.var(PUBLIC_URL_ENV)).filter(|url| !url.trim().is_empty());
    Ok(ServeConfig {
        addr: pick(addr, env, ADDR_ENV, defaults.addr)?,
        data_dir: data_dir(data_dir_flag, env)?,
        public_url,
        settings: Settings {
            starting_credits: pick(None, env, STARTING_CREDITS_ENV, settings.starting_credits)?,
            rate_limit_per_minute: pick(None, env, RATE_LIMIT_ENV, settings.rate_limit_per_minute)?,
            max_body_bytes: pick(None, env, MAX_BODY_ENV, settings.max_body_bytes)?,
            execution_timeout: Duration::from_secs(pick(
                None,
                env,
                EXECUTION_TIMEOUT_ENV,
                settings.execution_timeout.as_secs(),
            )?),
            oauth_callback_origins: env
                .var(OAUTH_CALLBACK_ORIGINS_ENV)
                .map(|list| {
                    list.split(',')
                        .map(|origin| origin.trim().trim_end_matches('/').to_owned())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            ..settings
        },
        shutdown_grace: Duration::from_secs(pick(None, env, SHUTDOWN_GRACE_ENV, defaults.shutdown_grace.as_secs())?),
    })
}
