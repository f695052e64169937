//! Several server and worker processes on one PostgreSQL database: killed
//! with SIGKILL under load and restarted (nothing lost, nothing run twice,
//! the ledger equal to the balance), and durable runs per second with 1, 2 and
//! 4 worker processes next to the embedded SQLite figure.
//!
//! Outside CI (ignored, tens of seconds each); they need PostgreSQL at
//! `BLOCKS_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`):
//!
//! ```text
//! cargo test --release -p block-server --test processes -- --ignored --nocapture --test-threads=1
//! ```
//!
//! The processes are this test binary re-executed with `PROCESS_CHILD_ROLE`
//! set, which makes [`child_process`] serve (`server`: HTTP only, like
//! `block-server serve --no-workers`) or run queued runs (`worker`: like
//! `block-server worker`) on the database, with this file's blocks linked in.

// The calculator block the bench runs: linking the crates registers it.
use block_examples as _;
use block_providers as _;

mod bench;
mod faults;
mod graph_credits;
mod graph_moves;
mod graphs;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use block_core::prelude::*;
use block_server::app::Role;
use block_server::{ServeConfig, serve};

const CHILD_ROLE: &str = "PROCESS_CHILD_ROLE";
const CHILD_DATABASE: &str = "PROCESS_CHILD_DATABASE";
const CHILD_ADDR: &str = "PROCESS_CHILD_ADDR";
const CHILD_DATA_DIR: &str = "PROCESS_CHILD_DATA_DIR";
const CHILD_LOG: &str = "PROCESS_CHILD_LOG";

/// The key every process shares (hex, 32 bytes): a test key, never a real one.
const SHARED_KEY: &str = "5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// Credits the local user starts with.
pub const STARTING_CREDITS: u64 = 1_000_000;

/// How long a lease lasts in the children: a dead worker's runs are taken
/// back within it (plus the recovery interval).
const LEASE: Duration = Duration::from_secs(3);

/// Input of the marked block.
#[derive(BlockInput)]
pub struct MarkedInput {
    /// Written to the start log when the block starts.
    pub token: String,
    /// How long the run takes, in milliseconds.
    #[block_input(default = 50, max = 2000)]
    pub millis: u64,
}

/// Outputs of the marked block.
#[derive(BlockOutput)]
pub enum MarkedOutput {
    /// Always `true`.
    Done(bool),
}

/// Costs one credit a run, and appends its token to the shared start log as
/// it starts: a token there twice is a run run twice, whichever processes ran it.
#[block(
    id = "7a3c5e1f-9b2d-4c8e-a6f0-1d3b5c7e9f21",
    categories(Basic),
    cost(run = 1),
    untested = "a process test fixture"
)]
pub struct MarkedSlowBlock;

impl Run for MarkedSlowBlock {
    type Input = MarkedInput;
    type Output = MarkedOutput;
    async fn run(&self, input: MarkedInput, _ctx: &RunContext, out: &Emit<MarkedOutput>) -> Result<(), BlockError> {
        append_start(input.token.clone()).await?;
        tokio::time::sleep(Duration::from_millis(input.millis)).await;
        out.emit(MarkedOutput::Done(true)).await
    }
}

/// Input of the marked step block.
#[derive(BlockInput)]
pub struct StepInput {
    /// Names the graph run in the start log.
    pub token: String,
    /// This node's place in the chain.
    #[block_input(default = 0)]
    pub step: u64,
    /// How long the run takes, in milliseconds.
    #[block_input(default = 50, max = 5000)]
    pub millis: u64,
}

/// Outputs of the marked step block.
#[derive(BlockOutput)]
pub enum StepOutput {
    /// `step + 1`, for the next node.
    Next(u64),
}

/// One node of a chain: costs one credit, appends `token/step pid execution-id`
/// to the shared start log as it starts (which process ran which node run,
/// and whether any ran twice), then passes `step + 1` on.
#[block(
    id = "3e8b2a61-4c5d-4f7e-9a1b-2c3d4e5f6a7b",
    categories(Basic),
    cost(run = 1),
    untested = "a process test fixture"
)]
pub struct MarkedStepBlock;

impl Run for MarkedStepBlock {
    type Input = StepInput;
    type Output = StepOutput;
    async fn run(&self, input: StepInput, ctx: &RunContext, out: &Emit<StepOutput>) -> Result<(), BlockError> {
        step(input, ctx, out).await
    }
}

/// A step: logs `token/step pid execution-id`, waits, passes `step + 1` on.
async fn step(input: StepInput, ctx: &RunContext, out: &Emit<StepOutput>) -> Result<(), BlockError> {
    let line = format!("{}/{} {} {}", input.token, input.step, std::process::id(), ctx.execution_id());
    append_start(line).await?;
    tokio::time::sleep(Duration::from_millis(input.millis)).await;
    out.emit(StepOutput::Next(input.step + 1)).await
}

/// A free step: the same input and output as [`MarkedStepBlock`], costs
/// nothing, logs its start the same way.
#[block(id = "5d2f8e1a-7b3c-4a9d-8e6f-0a1b2c3d4e5f", categories(Basic), untested = "a process test fixture")]
pub struct FreeStepBlock;

impl Run for FreeStepBlock {
    type Input = StepInput;
    type Output = StepOutput;
    async fn run(&self, input: StepInput, ctx: &RunContext, out: &Emit<StepOutput>) -> Result<(), BlockError> {
        step(input, ctx, out).await
    }
}

/// Appends `line` to the start log: one `write` of a short line on an
/// append-only file, so lines of several processes never interleave.
async fn append_start(line: String) -> Result<(), BlockError> {
    let log = PathBuf::from(std::env::var(CHILD_LOG).unwrap_or_default());
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
        file.write_all(format!("{line}\n").as_bytes())?;
        file.sync_data()
    })
    .await
    .map_err(|error| BlockError::new(error.to_string()))?
    .map_err(|error| BlockError::new(error.to_string()))
}

/// Serves or works when re-executed by a test; does nothing otherwise.
#[test]
#[ignore = "the child process of the tests in this binary"]
fn child_process() {
    let (Ok(role), Ok(database), Ok(data_dir)) =
        (std::env::var(CHILD_ROLE), std::env::var(CHILD_DATABASE), std::env::var(CHILD_DATA_DIR))
    else {
        return;
    };
    let addr = std::env::var(CHILD_ADDR).ok().and_then(|addr| addr.parse().ok()).unwrap_or_else(free_address);
    let mut config = ServeConfig {
        addr,
        data_dir: PathBuf::from(data_dir),
        database_url: Some(database),
        role: if role == "worker" { Role::Workers } else { Role::Http },
        shutdown_grace: Duration::from_secs(1),
        ..ServeConfig::default()
    };
    config.settings.rate_limit_per_minute = 0;
    config.settings.starting_credits = STARTING_CREDITS;
    config.settings.execution_timeout = Duration::from_secs(5);
    config.settings.run_lease = LEASE;
    config.settings.runs_per_user = 10_000;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let env = |name: &str| (name == block_server::domain::KEY_ENV).then(|| SHARED_KEY.to_owned());
    runtime
        .block_on(serve(config, block_core::Registry::global().expect("valid registry"), env, &mut std::io::stdout()))
        .expect("the process runs");
}

/// An empty scratch directory for one test (`label`), and an HTTP client for
/// the servers it starts.
pub fn scratch_and_client(label: &str) -> (PathBuf, reqwest::Client) {
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().expect("a client");
    (scratch, client)
}

/// A port nobody listens on.
pub fn free_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address")
}

/// A child process: a server on `addr` or a worker, on `database`.
pub fn spawn(role: &str, database: &str, addr: Option<SocketAddr>, scratch: &std::path::Path) -> Child {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let data_dir = scratch.join(format!("{role}-{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
    std::fs::create_dir_all(&data_dir).expect("a data directory");
    let mut command = Command::new(std::env::current_exe().expect("this test binary"));
    command
        .args(["child_process", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_ROLE, role)
        .env(CHILD_DATABASE, database)
        .env(CHILD_DATA_DIR, &data_dir)
        .env(CHILD_LOG, scratch.join("started.log"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(addr) = addr {
        command.env(CHILD_ADDR, addr.to_string());
    }
    command.spawn().expect("the child process starts")
}

/// Reads the first start's greeting up to the API key.
pub fn read_key(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    while let Some(Ok(line)) = lines.next() {
        if line.contains("keep it somewhere safe") {
            let key = lines.by_ref().map_while(Result::ok).find(|line| !line.trim().is_empty());
            std::thread::spawn(move || lines.for_each(drop));
            return key.expect("the key follows").trim().to_owned();
        }
    }
    panic!("the first server printed no API key");
}

/// Waits until the server at `base` answers.
pub async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not become ready within 30 s");
}

/// A database made for one test and dropped after it.
pub struct Database {
    admin: String,
    name: String,
    /// Its URL.
    pub url: String,
}

impl Database {
    /// A new, empty database on the test server.
    pub async fn create(label: &str) -> Database {
        let admin = std::env::var("BLOCKS_TEST_DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("blocks_{label}_{}", std::process::id());
        admin_execute(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE); CREATE DATABASE {name}")).await;
        let mut url = url::Url::parse(&admin).expect("the test database URL is a URL");
        url.set_path(&format!("/{name}"));
        Database { admin, name, url: url.to_string() }
    }

    /// Drops it.
    pub async fn drop_now(self) {
        admin_execute(&self.admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await;
    }
}

async fn admin_execute(admin: &str, sql: &str) {
    let (client, connection) =
        tokio_postgres::connect(admin, tokio_postgres::NoTls).await.expect("the PostgreSQL test server answers");
    let driver = tokio::spawn(connection);
    for statement in sql.split("; ") {
        client.batch_execute(statement).await.expect("the administrative statement runs");
    }
    drop(client);
    let _ = driver.await;
}

/// Kills `child` with SIGKILL and reaps it.
pub fn kill(child: &mut Child) {
    child.kill().expect("SIGKILL");
    child.wait().expect("the killed process is reaped");
}
