//! Behaviour of the executor: ordering, validation, failures, timeouts,
//! cancellation and back-pressure.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use block_core::prelude::*;
use block_core::{ExecuteError, ExecuteErrorKind, Executor, Outputs, Registry, RunOptions, Value};

/// Input of the counting block.
#[derive(BlockInput)]
pub struct CountInput {
    /// How many numbers to emit.
    #[block_input(max = 1000)]
    pub count: u64,
    /// Label of the summary.
    #[block_input(default = "total")]
    pub label: String,
    /// Fail after emitting the numbers.
    #[block_input(default = false)]
    pub fail: bool,
}

/// Outputs of the counting block.
#[derive(BlockOutput)]
pub enum CountOutput {
    /// One number per step.
    Number(u64),
    /// The label and the count.
    Summary(String),
}

/// Emits the numbers from 1 to `count`, then a summary.
#[block(id = "0b0c8d4e-3a52-4f6e-9a1d-5c7b2e8f4a10", categories(Basic), untested = "exercised by this file")]
pub struct CountBlock;

impl Run for CountBlock {
    type Input = CountInput;
    type Output = CountOutput;
    async fn run(&self, input: CountInput, _ctx: &RunContext, out: &Emit<CountOutput>) -> Result<(), BlockError> {
        for n in 1..=input.count {
            out.emit(CountOutput::Number(n)).await?;
        }
        if input.fail {
            return Err(BlockError::new("asked to fail"));
        }
        out.emit(CountOutput::Summary(format!("{}={}", input.label, input.count))).await
    }
}

/// Input of the misbehaving block.
#[derive(BlockInput)]
pub struct MisbehaveInput {
    /// What to do wrong.
    pub mode: Mode,
}

/// Ways to misbehave.
#[derive(BlockEnum, Debug, Clone, Copy)]
pub enum Mode {
    /// Panic before emitting anything.
    Panic,
    /// Sleep far longer than any timeout.
    Hang,
    /// Emit forever, counting what was sent.
    Flood,
}

/// Outputs of the misbehaving block.
#[derive(BlockOutput)]
pub enum MisbehaveOutput {
    /// A tick.
    Tick(u64),
}

static FLOOD_SENT: AtomicUsize = AtomicUsize::new(0);
static FLOOD_DROPPED: AtomicBool = AtomicBool::new(false);

struct SetOnDrop(&'static AtomicBool);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Misbehaves in the requested way.
#[block(id = "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", categories(DeveloperTools), untested = "exercised by this file")]
pub struct MisbehaveBlock;

impl Run for MisbehaveBlock {
    type Input = MisbehaveInput;
    type Output = MisbehaveOutput;
    async fn run(
        &self,
        input: MisbehaveInput,
        _ctx: &RunContext,
        out: &Emit<MisbehaveOutput>,
    ) -> Result<(), BlockError> {
        match input.mode {
            Mode::Panic => panic!("deliberate panic"),
            Mode::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(())
            }
            Mode::Flood => {
                let _guard = SetOnDrop(&FLOOD_DROPPED);
                for n in 0.. {
                    out.emit(MisbehaveOutput::Tick(n)).await?;
                    FLOOD_SENT.fetch_add(1, Ordering::SeqCst);
                }
                Ok(())
            }
        }
    }
}

fn registry() -> Registry {
    Registry::builder().block::<CountBlock>().block::<MisbehaveBlock>().build().expect("valid registry")
}

#[tokio::test]
async fn outputs_arrive_in_order_grouped_by_pin() {
    let registry = registry();
    let block = registry.by_name("CountBlock").expect("registered");
    let outputs = Executor::new()
        .execute(block, json!({"count": 3}), RunOptions::default())
        .await
        .expect("valid input")
        .collect()
        .await;
    assert_eq!(outputs.to_json(), json!({"number": [1, 2, 3], "summary": ["total=3"]}));
    assert!(outputs.is_success());
}

#[tokio::test]
async fn the_stream_yields_each_event_as_emitted() {
    let registry = registry();
    let block = registry.by_id("0b0c8d4e-3a52-4f6e-9a1d-5c7b2e8f4a10").expect("registered");
    let mut execution =
        Executor::new().execute(block, json!({"count": 2, "label": "n"}), RunOptions::default()).await.expect("valid");
    let mut seen = Vec::new();
    while let Some(event) = execution.next_event().await {
        seen.push((event.name, event.value));
    }
    assert_eq!(seen, vec![("number", json!(1)), ("number", json!(2)), ("summary", json!("n=2"))]);
}

#[tokio::test]
async fn invalid_input_lists_every_problem_with_its_path_and_the_ignored_keys() {
    let registry = registry();
    let block = registry.by_name("CountBlock").expect("registered");
    let error = Executor::new()
        .execute(block, json!({"count": 5000, "label": 7, "colour": "red"}), RunOptions::default())
        .await
        .expect_err("invalid input");
    assert_eq!(error.kind(), ExecuteErrorKind::InvalidInput);
    let ExecuteError::InvalidInput { block, problems, ignored } = error else {
        panic!("expected invalid input, got {error}")
    };
    assert_eq!(block, "CountBlock");
    let mut paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, vec!["/count", "/label"], "{problems:?}");
    assert_eq!(ignored, ["colour"], "an undeclared key is ignored and named, not a problem");
}

#[tokio::test]
async fn a_missing_required_field_is_named() {
    let registry = registry();
    let block = registry.by_name("CountBlock").expect("registered");
    let error = Executor::new().execute(block, json!({}), RunOptions::default()).await.expect_err("missing count");
    assert!(error.to_string().contains("count"), "{error}");
}

#[tokio::test]
async fn a_failed_run_ends_with_the_error_pin_after_earlier_outputs() {
    let registry = registry();
    let block = registry.by_name("CountBlock").expect("registered");
    let outputs = Executor::new()
        .execute(block, json!({"count": 2, "fail": true}), RunOptions::default())
        .await
        .expect("valid")
        .collect()
        .await;
    assert_eq!(outputs.to_json(), json!({"number": [1, 2], "error": ["asked to fail"]}));
    assert_eq!(outputs.error(), Some("asked to fail"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_becomes_the_error_output_and_harms_nothing_else() {
    let registry = registry();
    let executor = Executor::new();
    let panicking = registry.by_name("MisbehaveBlock").expect("registered");
    let healthy = registry.by_name("CountBlock").expect("registered");
    let (panicked, fine) = tokio::join!(
        async {
            executor
                .execute(panicking, json!({"mode": "panic"}), RunOptions::default())
                .await
                .expect("valid")
                .collect()
                .await
        },
        async {
            executor.execute(healthy, json!({"count": 50}), RunOptions::default()).await.expect("valid").collect().await
        },
    );
    assert_eq!(panicked.error(), Some("the block panicked: deliberate panic"));
    assert_eq!(fine.get("number").map(<[_]>::len), Some(50));
    assert!(fine.is_success());
}

#[tokio::test]
async fn a_run_past_its_timeout_is_stopped_with_an_error() {
    let registry = registry();
    let block = registry.by_name("MisbehaveBlock").expect("registered");
    let outputs = Executor::new()
        .execute(block, json!({"mode": "hang"}), RunOptions::default().with_timeout(Duration::from_millis(50)))
        .await
        .expect("valid")
        .collect()
        .await;
    let error = outputs.error().expect("timed out");
    assert!(error.contains("did not finish within 50ms"), "{error}");
}

#[tokio::test]
async fn back_pressure_pauses_the_block_and_dropping_the_stream_cancels_it() {
    let registry = registry();
    let block = registry.by_name("MisbehaveBlock").expect("registered");
    let capacity = 4;
    let mut execution = Executor::new()
        .with_channel_capacity(capacity)
        .execute(block, json!({"mode": "flood"}), RunOptions::default())
        .await
        .expect("valid");
    for expected in 0..10u64 {
        let event = execution.next_event().await.expect("a tick");
        assert_eq!(event.value, json!(expected));
    }
    // Give the block every chance to run ahead: it must stay within the channel's room.
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    let sent = FLOOD_SENT.load(Ordering::SeqCst);
    assert!(sent <= 10 + capacity + 1, "the block ran ahead of its consumer: {sent} sent");
    assert!(!FLOOD_DROPPED.load(Ordering::SeqCst));
    drop(execution);
    for _ in 0..50 {
        if FLOOD_DROPPED.load(Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(FLOOD_DROPPED.load(Ordering::SeqCst), "dropping the execution did not stop the block");
}

#[tokio::test]
async fn defaults_fill_missing_fields_and_appear_in_the_schema() {
    let registry = registry();
    let block = registry.by_name("CountBlock").expect("registered");
    let schema = block.input_schema();
    assert_eq!(schema["properties"]["label"]["default"], json!("total"));
    assert_eq!(schema["properties"]["label"]["advanced"], json!(true));
    assert_eq!(schema["properties"]["count"]["advanced"], json!(false));
    assert_eq!(schema["required"], json!(["count"]));
    let outputs = Executor::new().execute(block, json!({"count": 0}), RunOptions::default()).await.expect("valid");
    assert_eq!(outputs.collect().await.to_json(), json!({"summary": ["total=0"]}));
}

#[test]
fn executing_outside_a_runtime_is_an_error_not_a_panic() {
    let registry = registry();
    let block = registry.by_name("CountBlock").expect("registered");
    let executor = Executor::new();
    let mut execute = std::pin::pin!(executor.execute(block, json!({"count": 1}), RunOptions::default()));
    let polled = execute.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
    let std::task::Poll::Ready(Err(error)) = polled else { panic!("expected an immediate error") };
    assert_eq!(error, ExecuteError::NoRuntime);
}

#[test]
fn the_global_registry_holds_every_block_registered_with_the_attribute() {
    let registry = Registry::global().expect("valid");
    assert!(registry.by_name("CountBlock").is_some());
    assert!(registry.by_name("MisbehaveBlock").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_can_be_started_and_collected_from_a_spawned_task() {
    let registry: &'static Registry = Box::leak(Box::new(registry()));
    let block = registry.by_name("CountBlock").expect("registered");
    let executor = Executor::new();
    let outputs = tokio::spawn(async move {
        executor.execute(block, json!({"count": 1}), RunOptions::default()).await.expect("valid").collect().await
    })
    .await
    .expect("the spawned task finished");
    assert_eq!(outputs.to_json(), json!({"number": [1], "summary": ["total=1"]}));
}

/// Input of the in-place flood block.
#[derive(BlockInput)]
pub struct FloodInput {
    /// The first tick.
    #[block_input(default = 0)]
    pub from: u64,
}

/// Outputs of the in-place flood block.
#[derive(BlockOutput)]
pub enum FloodOutput {
    /// A tick.
    Tick(u64),
}

static IN_PLACE_SENT: AtomicUsize = AtomicUsize::new(0);
static IN_PLACE_DROPPED: AtomicBool = AtomicBool::new(false);

/// Emits ticks forever, counting what was sent (for the in-place tests alone).
#[block(id = "2c9d7e61-0f3b-4a58-b6c4-8e1d5a7f3b92", categories(DeveloperTools), untested = "exercised by this file")]
pub struct InPlaceFloodBlock;

impl Run for InPlaceFloodBlock {
    type Input = FloodInput;
    type Output = FloodOutput;
    async fn run(&self, input: FloodInput, _ctx: &RunContext, out: &Emit<FloodOutput>) -> Result<(), BlockError> {
        let _guard = SetOnDrop(&IN_PLACE_DROPPED);
        for n in input.from.. {
            out.emit(FloodOutput::Tick(n)).await?;
            IN_PLACE_SENT.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

async fn in_place(executor: &Executor, registry: &Registry, name: &str, input: Value) -> Outputs {
    let block = registry.by_name(name).expect("registered");
    executor.prepare(block, input, RunOptions::default()).await.expect("valid").start_in_place().collect().await
}

#[tokio::test]
async fn a_run_started_in_place_gives_what_a_spawned_one_gives() {
    let registry = registry();
    let executor = Executor::new().with_channel_capacity(2);
    // More outputs than the channel holds: the block goes on as they are read.
    let outputs = in_place(&executor, &registry, "CountBlock", json!({"count": 5})).await;
    assert_eq!(outputs.to_json(), json!({"number": [1, 2, 3, 4, 5], "summary": ["total=5"]}));
    let failed = in_place(&executor, &registry, "CountBlock", json!({"count": 1, "fail": true})).await;
    assert_eq!(failed.to_json(), json!({"number": [1], "error": ["asked to fail"]}));
    let panicked = in_place(&executor, &registry, "MisbehaveBlock", json!({"mode": "panic"})).await;
    assert_eq!(panicked.error(), Some("the block panicked: deliberate panic"));
    let block = registry.by_name("MisbehaveBlock").expect("registered");
    let options = RunOptions::default().with_timeout(Duration::from_millis(50));
    let hung = executor.prepare(block, json!({"mode": "hang"}), options).await.expect("valid");
    let error = hung.start_in_place().collect().await.error().map(str::to_owned);
    assert!(error.as_deref().is_some_and(|error| error.contains("did not finish within 50ms")), "{error:?}");
}

#[tokio::test]
async fn a_run_in_place_steps_only_while_read_and_stops_when_dropped() {
    let registry = Registry::builder().block::<InPlaceFloodBlock>().build().expect("valid registry");
    let block = registry.by_name("InPlaceFloodBlock").expect("registered");
    let capacity = 4;
    let executor = Executor::new().with_channel_capacity(capacity);
    let mut execution =
        executor.prepare(block, json!({}), RunOptions::default()).await.expect("valid").start_in_place();
    assert_eq!(IN_PLACE_SENT.load(Ordering::SeqCst), 0, "nothing runs before it is read");
    for expected in 0..10u64 {
        assert_eq!(execution.next_event().await.expect("a tick").value, json!(expected));
    }
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    let sent = IN_PLACE_SENT.load(Ordering::SeqCst);
    assert!(sent <= 10 + capacity, "the block ran ahead of its reader: {sent} sent");
    assert!(!IN_PLACE_DROPPED.load(Ordering::SeqCst));
    drop(execution);
    assert!(IN_PLACE_DROPPED.load(Ordering::SeqCst), "dropping the execution stops the block at once");
}
