//! Graph runs on the durable engine beside block runs, in the same process and
//! on the same storage: a 3-node graph (graph input -> a trivial block -> graph
//! output), each node execution a child run, against the trivial block run
//! alone. Measured and printed (not a timed test).
//!
//! `cargo bench -p block-server --bench graph_runs`; `RUNS` (default 1,000) of
//! each are queued at once, then timed until every one is recorded completed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use block_core::Registry;
use block_core::graph::{AgentInputBlock, AgentOutputBlock, Graph, Link, Node};
use block_core::prelude::*;
use block_server::domain::{Cipher, RunKind, RunSource, RunStatus, User};
use block_server::services::AppState;
use block_server::services::graphs::{self, GraphRunRequest};
use block_server::services::runs::{self, NewRun, Workers};
use block_server::storage::prelude::*;
use block_server::storage::{RunFilter, SqliteStorage};
use block_server::{Settings, SharedRegistry};

/// Inputs of the trivial block.
#[derive(BlockInput)]
pub struct NoopInput {
    /// A number.
    pub n: u64,
}

/// Outputs of the trivial block.
#[derive(BlockOutput)]
pub enum NoopOutput {
    /// The number again.
    Same(u64),
}

/// Emits its input: the smallest block there is.
#[block(id = "3f1b7c2e-9a4d-4e5f-8b6a-0c1d2e3f4a5b", categories(Basic), untested = "a bench fixture")]
pub struct NoopBlock;

impl Run for NoopBlock {
    type Input = NoopInput;
    type Output = NoopOutput;

    async fn run(&self, input: NoopInput, _ctx: &RunContext, out: &Emit<NoopOutput>) -> Result<(), BlockError> {
        out.emit(NoopOutput::Same(input.n)).await
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

async fn bench_state(dir: &std::path::Path) -> (AppState, User) {
    let registry: SharedRegistry = Registry::builder()
        .block::<NoopBlock>()
        .block::<AgentInputBlock>()
        .block::<AgentOutputBlock>()
        .build()
        .expect("a registry")
        .into();
    let storage = Arc::new(SqliteStorage::open_async(dir).await.expect("the storage opens"));
    let settings = Settings { rate_limit_per_minute: 0, ..Settings::default() };
    let state = AppState::builder(registry, storage.clone(), Cipher::new(&[7; 32]))
        .settings(settings)
        .build()
        .await
        .expect("the state builds");
    let user = User {
        id: "00000000-0000-4000-8000-000000000001".into(),
        name: "bench".into(),
        email: "bench@localhost".into(),
        timezone: "UTC".into(),
    };
    storage.create_user(user.clone(), 0).await.expect("a user");
    (state, user)
}

/// in -> noop -> out.
fn three_nodes() -> Graph {
    let mut graph = Graph::new("Three nodes");
    graph.nodes.push(Node::new("in", AgentInputBlock::DESCRIPTOR.id).with_input("name", json!("n")));
    graph.nodes.push(Node::new("noop", NoopBlock::DESCRIPTOR.id));
    graph.nodes.push(Node::new("out", AgentOutputBlock::DESCRIPTOR.id).with_input("name", json!("same")));
    graph.links.push(Link::new("in", "result", "noop", "n"));
    graph.links.push(Link::new("noop", "same", "out", "value"));
    graph
}

async fn completed(state: &AppState, user: &User, kind: RunKind) -> u64 {
    let filter = RunFilter { status: Some(RunStatus::Completed), kind: Some(kind), ..RunFilter::default() };
    state.storage().runs(&user.id, &filter, None, 1).await.expect("runs").total_count
}

/// Queues `total` runs with `queue`, starts the workers, and times until
/// `total` runs of `kind` completed; runs/s.
async fn measure<F, Fut>(state: &AppState, user: &User, kind: RunKind, total: u64, queue: F) -> f64
where
    F: Fn(u64) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    for n in 0..total {
        queue(n).await;
    }
    let workers = Workers::start(state.clone());
    while completed(state, user, kind).await < total {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    workers.shutdown(Duration::from_secs(5)).await;
    total as f64 / elapsed.as_secs_f64()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let total = env_number("RUNS", 1_000);
        let scratch = std::env::temp_dir().join(format!("blocks-graph-runs-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).expect("a directory");
        let (state, user) = bench_state(&scratch).await;
        let block = state.registry().by_id(NoopBlock::DESCRIPTOR.id).expect("registered");
        let blocks = measure(&state, &user, RunKind::Block, total, |n| {
            let new = NewRun::block(&user.id, RunSource::Api);
            let state = state.clone();
            async move {
                runs::enqueue(&state, new, block, json!({"n": n})).await.expect("queued");
            }
        })
        .await;
        let graph = graphs::create(state.storage().as_ref(), state.registry(), &user.id, three_nodes())
            .await
            .expect("the graph is saved");
        let graph_runs = measure(&state, &user, RunKind::Graph, total, |n| {
            let mut values = serde_json::Map::new();
            values.insert("n".into(), json!(n));
            let request = GraphRunRequest::new(&user.id, &graph.id, values, RunSource::Api);
            let state = state.clone();
            async move {
                graphs::start_run(&state, request).await.expect("queued");
            }
        })
        .await;
        println!("{total} runs of each, queued at once, then run to completion by the workers:");
        println!("  the trivial block alone:               {blocks:.0} runs/s");
        println!(
            "  a 3-node graph (input -> block -> output, 3 child runs each): {graph_runs:.0} graph runs/s \
             ({:.0} node runs/s)",
            graph_runs * 3.0
        );
        let _ = std::fs::remove_dir_all(&scratch);
    });
}
