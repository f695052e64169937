//! Executor overhead: a block with three inputs and two outputs, JSON in to
//! collected JSON out, next to a direct call of the same logic.
//!
//! Run with `cargo bench -p block-core --bench execute`.

use std::hint::black_box;

use block_core::prelude::*;
use block_core::{Executor, Registry, RunOptions};
use criterion::{Criterion, criterion_group, criterion_main};

/// Input of the scaling block.
#[derive(BlockInput)]
pub struct ScaleInput {
    /// The value to scale.
    pub value: f64,
    /// The factor.
    #[block_input(default = 2.0)]
    pub factor: f64,
    /// A label for the result.
    pub label: String,
}

/// Outputs of the scaling block.
#[derive(BlockOutput)]
pub enum ScaleOutput {
    /// The scaled value.
    Scaled(f64),
    /// The label with the value.
    Described(String),
}

/// Scales a number and describes it.
#[block(id = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", categories(Basic), untested = "benchmark fixture")]
pub struct ScaleBlock;

fn scale(value: f64, factor: f64, label: &str) -> (f64, String) {
    let scaled = value * factor;
    (scaled, format!("{label}: {scaled}"))
}

impl Run for ScaleBlock {
    type Input = ScaleInput;
    type Output = ScaleOutput;
    async fn run(&self, input: ScaleInput, _ctx: &RunContext, out: &Emit<ScaleOutput>) -> Result<(), BlockError> {
        let (scaled, described) = scale(input.value, input.factor, &input.label);
        out.emit(ScaleOutput::Scaled(scaled)).await?;
        out.emit(ScaleOutput::Described(described)).await
    }
}

fn bench(c: &mut Criterion) {
    // Leaked so that the measuring loop can run as a spawned task, on a worker
    // thread, as a server's request handler does.
    let registry: &'static Registry =
        Box::leak(Box::new(Registry::builder().block::<ScaleBlock>().build().expect("valid registry")));
    let block = registry.by_name("ScaleBlock").expect("registered");
    let executor = Executor::new();
    let input = json!({"value": 21.0, "factor": 2.0, "label": "answer"});

    let mut group = c.benchmark_group("execute_3_inputs_2_outputs");
    group.bench_function("direct_call", |b| {
        b.iter(|| black_box(scale(black_box(21.0), black_box(2.0), black_box("answer"))))
    });
    group.bench_function("direct_call_json_in_out", |b| {
        b.iter(|| {
            let input = black_box(&input);
            let value = input["value"].as_f64().unwrap_or_default();
            let factor = input["factor"].as_f64().unwrap_or(2.0);
            let label = input["label"].as_str().unwrap_or_default();
            let (scaled, described) = scale(value, factor, label);
            black_box(json!({"scaled": [scaled], "described": [described]}))
        })
    });
    for (name, runtime) in [
        ("executor_current_thread", tokio::runtime::Builder::new_current_thread().enable_time().build()),
        ("executor_multi_thread", tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_time().build()),
    ] {
        let runtime = runtime.expect("runtime");
        // Executions run back to back inside the runtime, as a server runs them; the
        // cost of entering the runtime from outside is not part of the figure.
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                let (executor, input) = (executor.clone(), input.clone());
                let measured = runtime.spawn(async move {
                    let start = std::time::Instant::now();
                    for _ in 0..iterations {
                        let execution = executor
                            .execute(block, black_box(input.clone()), RunOptions::default())
                            .await
                            .expect("valid");
                        black_box(execution.collect().await.to_json());
                    }
                    start.elapsed()
                });
                runtime.block_on(measured).expect("the measuring task finished")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
