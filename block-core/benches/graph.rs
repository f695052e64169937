//! Graph executor overhead: a 1,000-node chain of trivial blocks (the time per
//! node execution, beside one block run alone) and a 10,000-item list fanned out
//! through one node.
//!
//! Run with `cargo bench -p block-core --bench graph`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use block_core::graph::{Graph, GraphExecutor, GraphInputs, GraphRunStatus, Link, Node};
use block_core::prelude::*;
use block_core::{Block, Executor, Registry, RunOptions};
use criterion::{Criterion, criterion_group, criterion_main};

/// Input of the passing block.
#[derive(BlockInput)]
pub struct PassInput {
    /// The value to pass on.
    pub value: Value,
}

/// Outputs of the passing block.
#[derive(BlockOutput)]
pub enum PassOutput {
    /// The value.
    Value(Value),
}

/// Passes its value on.
#[block(id = "7c1e5a90-2b3d-4f6e-8a9b-0c1d2e3f4a5b", categories(Basic), untested = "benchmark fixture")]
pub struct PassBlock;

impl Run for PassBlock {
    type Input = PassInput;
    type Output = PassOutput;
    async fn run(&self, input: PassInput, _ctx: &RunContext, out: &Emit<PassOutput>) -> Result<(), BlockError> {
        out.emit(PassOutput::Value(input.value)).await
    }
}

/// Input of the listing block.
#[derive(BlockInput)]
pub struct ListInput {
    /// How many items to emit.
    pub count: u64,
}

/// Outputs of the listing block.
#[derive(BlockOutput)]
pub enum ListOutput {
    /// One item.
    Item(u64),
}

/// Emits the numbers below `count`.
#[block(id = "8d2f6b01-3c4e-4a7f-9b0c-1d2e3f4a5b6c", categories(Basic), untested = "benchmark fixture")]
pub struct ListBlock;

impl Run for ListBlock {
    type Input = ListInput;
    type Output = ListOutput;
    async fn run(&self, input: ListInput, _ctx: &RunContext, out: &Emit<ListOutput>) -> Result<(), BlockError> {
        for item in 0..input.count {
            out.emit(ListOutput::Item(item)).await?;
        }
        Ok(())
    }
}

const CHAIN: usize = 1_000;
const ITEMS: u64 = 10_000;

fn chain() -> Graph {
    let mut graph = Graph::new("chain");
    graph.nodes.push(Node::new("n0", PassBlock::DESCRIPTOR.id).with_input("value", json!(1)));
    for n in 1..CHAIN {
        graph.nodes.push(Node::new(format!("n{n}"), PassBlock::DESCRIPTOR.id));
        graph.links.push(Link::new(format!("n{}", n - 1), "value", format!("n{n}"), "value"));
    }
    graph
}

fn fan_out() -> Graph {
    let mut graph = Graph::new("fan-out");
    graph.nodes.push(Node::new("list", ListBlock::DESCRIPTOR.id).with_input("count", json!(ITEMS)));
    graph.nodes.push(Node::new("each", PassBlock::DESCRIPTOR.id));
    graph.links.push(Link::new("list", "item", "each", "value"));
    graph
}

fn bench(c: &mut Criterion) {
    let registry = Registry::builder().block::<PassBlock>().block::<ListBlock>().build().expect("valid registry");
    let single = registry.by_name("PassBlock").expect("registered").descriptor();
    let graphs = GraphExecutor::new(registry, Executor::new());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_time().build().expect("runtime");

    let mut group = c.benchmark_group("graph");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    let runtime = &runtime;
    let run = |graph: Graph, expected: u64| {
        let graphs = graphs.clone();
        move |iterations: u64| {
            let (graphs, graph) = (graphs.clone(), graph.clone());
            let measured = runtime.spawn(async move {
                let start = Instant::now();
                for _ in 0..iterations {
                    let run = graphs.start(&graph, GraphInputs::new(), RunOptions::default()).expect("valid graph");
                    let outcome = black_box(run.collect().await);
                    assert_eq!(outcome.status, GraphRunStatus::Completed);
                    assert_eq!(outcome.node_executions, expected);
                }
                start.elapsed()
            });
            runtime.block_on(measured).expect("the measuring task finished")
        }
    };
    group.bench_function("chain_1000_nodes", |b| b.iter_custom(run(chain(), CHAIN as u64)));
    let current = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime");
    group.bench_function("chain_1000_nodes_current_thread", |b| {
        let graph = chain();
        b.iter_custom(|iterations| {
            current.block_on(async {
                let start = Instant::now();
                for _ in 0..iterations {
                    let run = graphs.start(&graph, GraphInputs::new(), RunOptions::default()).expect("valid graph");
                    black_box(run.collect().await);
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("fan_out_10000_items", |b| b.iter_custom(run(fan_out(), ITEMS + 1)));
    group.finish();

    // The same block run alone, back to back inside the runtime: the per-node
    // figure's baseline.
    let registry: &'static Registry =
        Box::leak(Box::new(Registry::builder().descriptor(single).build().expect("valid registry")));
    let block = registry.by_name("PassBlock").expect("registered");
    let executor = Executor::new();
    c.bench_function("graph/single_block_run", |b| {
        b.iter_custom(|iterations| {
            let executor = executor.clone();
            let measured = runtime.spawn(async move {
                let start = Instant::now();
                for _ in 0..iterations {
                    let execution =
                        executor.execute(block, json!({"value": 1}), RunOptions::default()).await.expect("valid");
                    black_box(execution.collect().await);
                }
                start.elapsed()
            });
            runtime.block_on(measured).expect("the measuring task finished")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
