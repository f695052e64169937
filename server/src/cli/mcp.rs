//! `block-server mcp`: the blocks as MCP tools over stdio, for a local client
//! (a desktop assistant) that starts the server itself. Logs go to stderr;
//! stdout carries nothing but the protocol.

use std::io;

use block_core::Registry;
use clap::Args;

use super::config::LOG_ENV;
use super::{CliError, DataArgs, Environment, UrlArgs};
use crate::app::ServeConfig;
use crate::services::Settings;

/// Everything `mcp` takes.
#[derive(Debug, Clone, Args)]
pub struct McpArgs {
    /// The data directory whose local user the tools act for.
    #[command(flatten)]
    pub data: DataArgs,
    /// The server\'s public URL, for the links tool errors give.
    #[command(flatten)]
    pub url: UrlArgs,
    /// The longest a block may run, in seconds.
    #[arg(long, value_name = "SECS", env = "BLOCKS_EXECUTION_TIMEOUT_SECS", default_value_t = Settings::default().execution_timeout.as_secs())]
    pub execution_timeout_secs: u64,
    /// The log filter (`RUST_LOG` syntax); logs go to stderr.
    #[arg(long, value_name = "FILTER", env = LOG_ENV, default_value = "warn")]
    pub log: String,
}

/// Serves MCP on stdio until the client closes stdin.
pub fn run(args: &McpArgs, registry: &'static Registry, env: &Environment) -> Result<(), CliError> {
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log)
        .map_err(|error| CliError::Config { variable: LOG_ENV, problem: error.to_string() })?;
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(io::stderr).with_ansi(false).try_init();
    let defaults = ServeConfig::default();
    let config = ServeConfig {
        data_dir: args.data.data_dir.clone(),
        public_url: Some(args.url.or_addr(defaults.addr)),
        settings: Settings {
            starting_credits: args.data.starting_credits,
            execution_timeout: std::time::Duration::from_secs(args.execution_timeout_secs),
            ..Settings::default()
        },
        ..defaults
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)?;
    runtime.block_on(crate::app::serve_mcp_stdio(config, registry, |name| env.var(name))).map_err(CliError::Serve)
}
