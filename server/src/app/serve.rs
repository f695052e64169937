//! Serving: open the data directory, build the state, greet a first start with an
//! API key, serve until a shutdown signal, then let running requests finish (for
//! a bounded time). [`serve`] does all of it for any [`Registry`]: what
//! `block-server serve` runs, and the one call a service embedding the server
//! makes with its own blocks.

use std::future::{Future, IntoFuture};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use block_core::oauth::{OAuthError, OAuthHandlers};
use block_core::provider::platform_credentials;
use block_core::{ExposeSecret, RegistryError};

use crate::services::SharedRegistry;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use super::database::{load_cipher, open_database};
use crate::domain::{CryptoError, KEY_ENV, KeySource, Scope};
use crate::services::accounts::{self, BootstrapError};
use crate::services::polls::Poller;
use crate::services::runs::Workers;
use crate::services::schedules::Scheduler;
use crate::services::{AppState, Settings, StateError};
use crate::storage::StorageError;

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The address to listen on.
    pub addr: SocketAddr,
    /// The data directory (database, key file).
    pub data_dir: PathBuf,
    /// The URL the server is reached at; `http://<addr>` when unset.
    pub public_url: Option<String>,
    /// Limits and the starting balance.
    pub settings: Settings,
    /// How long running requests may take to finish after a shutdown signal.
    pub shutdown_grace: Duration,
    /// A PostgreSQL database (`postgres://...`) shared with other processes;
    /// `None` keeps everything in the data directory's SQLite file.
    pub database_url: Option<String>,
    /// What this process does: serve HTTP, run queued runs, or both.
    pub role: Role,
}

/// What a process does. On a shared database any mix of processes works: the
/// queue, the schedules and the polls are claimed through the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// The HTTP API, MCP and the console, and workers running queued runs,
    /// the scheduler and the poller (`block-server serve`).
    #[default]
    Both,
    /// Only HTTP (`block-server serve --no-workers`): runs requested here are
    /// queued for worker processes, or answered inline.
    Http,
    /// Only workers, the scheduler and the poller, no HTTP (`block-server worker`).
    Workers,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8000)),
            data_dir: PathBuf::from("data"),
            public_url: None,
            settings: Settings::default(),
            shutdown_grace: Duration::from_secs(30),
            database_url: None,
            role: Role::Both,
        }
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The linked blocks do not form a valid registry.
    #[error("{0}")]
    Registry(RegistryError),
    /// The data directory could not be created.
    #[error("could not create the data directory {}: {error}", .path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The encryption key could not be loaded.
    #[error(transparent)]
    Key(#[from] CryptoError),
    /// Processes sharing a database must share their encryption key.
    #[error(
        "several processes share the database: set {KEY_ENV} to the same key in each of them (a key file in one \
         process's data directory cannot be read by the others)"
    )]
    SharedKeyMissing,
    /// The database URL is not a PostgreSQL one.
    #[error("the database URL must start with postgres:// or postgresql:// (leave it unset for SQLite)")]
    DatabaseUrl,
    /// The state could not be built.
    #[error(transparent)]
    State(#[from] StateError),
    /// The local user or its key could not be created.
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    /// The address could not be bound, or serving failed.
    #[error("{what}: {error}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        error: io::Error,
    },
}

/// Serves the blocks of `registry` until Ctrl-C or SIGTERM: the data directory
/// (database, key file) is created on first start, with the local user and an
/// API key holding every scope, printed once to `out` with a `curl` line to try.
/// `env` reads configuration variables (the providers' platform credentials and
/// OAuth apps, the encryption key).
///
/// ```no_run
/// # async fn demo() -> Result<(), block_server::ServeError> {
/// let registry = block_core::Registry::builder().build().expect("a valid registry");
/// let config = block_server::ServeConfig::default();
/// block_server::serve(config, registry, |name| std::env::var(name).ok(), &mut std::io::stdout()).await
/// # }
/// ```
pub async fn serve<W: Write + ?Sized>(
    config: ServeConfig,
    registry: impl Into<SharedRegistry>,
    env: impl Fn(&str) -> Option<String>,
    out: &mut W,
) -> Result<(), ServeError> {
    let registry: SharedRegistry = registry.into();
    let storage = open_database(&config.data_dir, config.database_url.as_deref()).await?;
    let shared = storage.shared_by_processes();
    // One server per data directory: every run still marked running was held by
    // its last run, which is gone. On a shared database other processes hold
    // runs: only expired leases are recovered.
    let recovered = storage.recover(!shared).await?;
    if recovered.interrupted + recovered.requeued > 0 {
        tracing::warn!(
            interrupted = recovered.interrupted,
            refunded = recovered.refunded,
            requeued = recovered.requeued,
            "the last run of the server stopped during runs: those whose block had started are marked interrupted \
             and refunded, the others are queued again"
        );
    }
    let (cipher, source) = load_cipher(env(KEY_ENV), &config.data_dir, shared).await?;
    if let KeySource::CreatedFile(path) = &source {
        tracing::warn!(
            path = %path.display(),
            "created a new encryption key file (mode 0600); back it up, or set {KEY_ENV}: without it the stored \
             credentials cannot be read"
        );
    }
    let listener = if config.role == Role::Workers {
        None
    } else {
        Some(
            TcpListener::bind(config.addr)
                .await
                .map_err(|error| ServeError::Io { what: format!("could not listen on {}", config.addr), error })?,
        )
    };
    let local = match &listener {
        Some(listener) => listener
            .local_addr()
            .map_err(|error| ServeError::Io { what: "could not read the bound address".into(), error })?,
        None => config.addr,
    };
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{local}"));
    let platform = platform_credentials(registry.providers().iter().copied(), &env);
    let (oauth, problems) = OAuthHandlers::from_env(registry.providers().iter().copied(), &env);
    for problem in problems {
        match problem {
            OAuthError::NotConfigured { .. } => tracing::info!(%problem, "OAuth sign-in is off for a provider"),
            other => tracing::warn!(problem = %other, "an OAuth app is not usable"),
        }
    }
    let settings = Settings { public_url: public_url.clone(), ..config.settings };
    let starting_credits = settings.starting_credits;
    let blocks = registry.blocks().len();
    let state = AppState::builder(registry, storage.clone(), cipher)
        .platform_credentials(platform)
        .oauth(oauth)
        .settings(settings)
        .build()
        .await?;
    let (user, created) = accounts::local_user(storage.as_ref(), starting_credits).await?;
    if created && listener.is_some() {
        let (key, _) = accounts::create_api_key(storage.as_ref(), &user.id, "first start", Scope::ALL.to_vec()).await?;
        let link =
            accounts::create_console_link(storage.as_ref(), &user.id, &public_url, state.settings().oauth.login_link)
                .await?;
        greet(out, starting_credits, key.key.expose_secret(), &public_url, &link)
            .map_err(|error| ServeError::Io { what: "could not print the API key".into(), error })?;
    }
    let shutdown = shutdown_signal();
    let database = if shared { "shared (PostgreSQL)" } else { "SQLite in the data directory" };
    let served = match listener {
        Some(listener) => {
            tracing::info!(address = %local, data_dir = %config.data_dir.display(), database, blocks, role = ?config.role, "serving");
            run_role(Some(listener), state, shutdown, config.shutdown_grace, config.role != Role::Http).await
        }
        None => {
            tracing::info!(database, blocks, "running queued runs, schedules and polls (no HTTP)");
            run_role(None, state, shutdown, config.shutdown_grace, true).await
        }
    };
    served.map_err(|error| ServeError::Io { what: "serving failed".into(), error })
}

fn greet<W: Write + ?Sized>(out: &mut W, credits: u64, key: &str, public_url: &str, link: &str) -> io::Result<()> {
    writeln!(out, "First start: created the local user with {credits} credits and an API key holding every scope.")?;
    writeln!(out, "The key is shown only now; keep it somewhere safe:\n\n    {key}\n")?;
    writeln!(out, "Try it:\n\n    curl -H \"X-API-Key: {key}\" {public_url}/external-api/v1/blocks\n")?;
    writeln!(out, "API docs: {public_url}/external-api/docs")?;
    writeln!(
        out,
        "Console: open this one-time link (10 minutes; later, `block-server login-link` prints another):\n\n    {link}\n"
    )?;
    out.flush()
}

/// Serves `state` on `listener`, with the workers running queued runs, the
/// scheduler queueing scheduled ones and the poller polling polling triggers, until `shutdown` resolves; then stops
/// accepting, scheduling and claiming, and waits up to
/// `grace` for running requests (streams included) and runs to finish.
pub async fn run_until(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send,
    grace: Duration,
) -> io::Result<()> {
    run_role(Some(listener), state, shutdown, grace, true).await
}

/// Serves HTTP on `listener` if there is one, and runs the workers, the
/// scheduler and the poller if `workers`, until `shutdown` resolves; then
/// drains both within `grace`.
async fn run_role(
    listener: Option<TcpListener>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send,
    grace: Duration,
    workers: bool,
) -> io::Result<()> {
    let storage = state.storage().clone();
    let background =
        workers.then(|| (Workers::start(state.clone()), Scheduler::start(state.clone()), Poller::start(state.clone())));
    // Without workers, the leases of runs answered inline are still renewed.
    let leases = (!workers).then(|| Workers::start_leases_only(state.clone()));
    let served = match listener {
        Some(listener) => serve_then_drain(listener, state, shutdown, grace).await,
        None => {
            shutdown.await;
            tracing::info!(grace_secs = grace.as_secs(), "shutting down: no new runs; waiting for running ones");
            Ok(())
        }
    };
    if let Some((workers, scheduler, poller)) = background {
        scheduler.shutdown().await;
        poller.shutdown().await;
        workers.shutdown(grace).await;
    }
    if let Some(leases) = leases {
        leases.shutdown(grace).await;
    }
    // The writes of the last runs may still be queued.
    if let Err(error) = storage.flush().await {
        tracing::error!(%error, "writing the last run records failed");
    }
    served
}

async fn serve_then_drain(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send,
    grace: Duration,
) -> io::Result<()> {
    let stop = Arc::new(Notify::new());
    let stopping = stop.clone();
    let app = super::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let serving =
        axum::serve(listener, app).with_graceful_shutdown(async move { stopping.notified().await }).into_future();
    tokio::pin!(serving);
    tokio::select! {
        result = &mut serving => return result,
        () = shutdown => {}
    }
    tracing::info!(grace_secs = grace.as_secs(), "shutting down: no new connections; waiting for running requests");
    stop.notify_one();
    match tokio::time::timeout(grace, serving).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!("running requests did not finish in time; stopping anyway");
            Ok(())
        }
    }
}

/// Resolves on Ctrl-C, or SIGTERM on Unix.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    // The handlers are installed now, not when the future is first polled: a
    // signal sent as soon as the server says it is serving must stop it
    // cleanly, not kill it with the signal's default action.
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::interrupt()).ok(), signal(SignalKind::terminate()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let (mut interrupt, mut terminate) = signals;
            let interrupted = async {
                match interrupt.as_mut() {
                    Some(signal) => drop(signal.recv().await),
                    None => std::future::pending::<()>().await,
                }
            };
            let terminated = async {
                match terminate.as_mut() {
                    Some(signal) => drop(signal.recv().await),
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = interrupted => {}
                () = terminated => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
