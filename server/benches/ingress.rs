//! Webhook ingress under slow triggers, measured and printed (not a timed test):
//! deliveries whose trigger runs sleep 10 s are answered at once, because the
//! ingress only verifies, stores and queues; workers run the triggers.
//!
//! `cargo bench -p block-server --bench ingress`. Settings: DELIVERIES (default
//! 500), RATE per second (default 100), SLEEP_SECS of each trigger run (10).
//!
//! A real server on 127.0.0.1 (the router, workers and poller of `run_until`),
//! a manual webhook of the tutorial's signing scheme, and deliveries signed as
//! the provider signs them, posted one after another at RATE; prints p50, p99 and
//! max of the answer times and how many trigger runs each answer queued.

use std::sync::Arc;
use std::time::{Duration, Instant};

use block_core::Registry;
use block_core::prelude::*;
use block_examples::example::ExampleWebhookManager;
use block_server::domain::{Cipher, User};
use block_server::services::AppState;
use block_server::services::triggers::{self, TriggerOptions};
use block_server::storage::SqliteStorage;
use block_server::storage::prelude::*;
use block_server::{Settings, SharedRegistry};

/// The tutorial's manual, HMAC-signed webhooks under a name of the bench's own.
#[provider(name = "bench_hooks", api_key, webhooks(manual, manager = ExampleWebhookManager))]
pub struct BenchHooks;

/// Inputs of the slow trigger.
#[derive(BlockInput)]
pub struct SlowInput {
    /// The delivery.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of the slow trigger.
#[derive(BlockOutput)]
pub enum SlowOutput {
    /// It woke up.
    Woke(bool),
}

/// Sleeps SLEEP_SECS on every delivery.
#[block(
    id = "3e7a9c1d-5b2f-4d8e-a6c4-9f1b2d3e4a5c",
    categories(Input),
    trigger(provider = BenchHooks, events = ["example_event"]),
    untested = "a bench fixture"
)]
pub struct SlowTriggerBlock;

impl Run for SlowTriggerBlock {
    type Input = SlowInput;
    type Output = SlowOutput;

    async fn run(&self, _input: SlowInput, _ctx: &RunContext, out: &Emit<SlowOutput>) -> Result<(), BlockError> {
        tokio::time::sleep(Duration::from_secs(env_number("SLEEP_SECS", 10))).await;
        out.emit(SlowOutput::Woke(true)).await
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let (deliveries, rate) = (env_number("DELIVERIES", 500), env_number("RATE", 100));
        let dir = std::env::temp_dir().join(format!("blocks-ingress-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a directory");
        let registry: SharedRegistry = Registry::builder()
            .provider::<BenchHooks>()
            .block::<SlowTriggerBlock>()
            .build()
            .expect("a registry")
            .into();
        let storage = Arc::new(SqliteStorage::open_async(&dir).await.expect("the storage opens"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let settings = Settings { rate_limit_per_minute: 0, public_url: base.clone(), ..Settings::default() };
        let state = AppState::builder(registry, storage.clone(), Cipher::new(&[7; 32]))
            .settings(settings)
            .build()
            .await
            .expect("the state builds");
        let user = User {
            id: "00000000-0000-4000-8000-000000000002".into(),
            name: "bench".into(),
            email: "bench@localhost".into(),
            timezone: "UTC".into(),
        };
        storage.create_user(user.clone(), 1_000_000).await.expect("a user");
        let subscribed = triggers::subscribe(
            &state,
            &user.id,
            "3e7a9c1d-5b2f-4d8e-a6c4-9f1b2d3e4a5c",
            Default::default(),
            TriggerOptions::default(),
        )
        .await
        .expect("subscribed");
        let webhook = subscribed.webhook;
        let manager = block_core::webhooks::manager_of(state.registry(), "bench_hooks").expect("a manager");
        let url = format!("{base}{}", block_core::webhooks::ingress_path("bench_hooks", &webhook.id));

        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(block_server::app::run_until(
            listener,
            state.clone(),
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(1),
        ));
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::new();
        let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
        let (mut times, mut queued, mut refused) = (Vec::with_capacity(deliveries as usize), 0_u64, 0_u64);
        for n in 0..deliveries {
            ticker.tick().await;
            let body = serde_json::to_vec(&json!({"webhook_type": "example_event", "n": n})).expect("JSON");
            let headers = manager.sign_delivery(&webhook, "example_event", &body);
            let started = Instant::now();
            let answer = client.post(&url).headers(headers).body(body).send().await.expect("answered");
            let status = answer.status();
            let receipt: Value =
                serde_json::from_slice(&answer.bytes().await.unwrap_or_default()).unwrap_or(Value::Null);
            times.push(started.elapsed());
            if status.is_success() {
                queued += receipt["queued"].as_u64().unwrap_or(0);
            } else {
                refused += 1;
            }
        }
        times.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "ingress: {deliveries} deliveries at {rate}/s, each trigger run sleeping {} s: answered p50 {:.1} ms, \
             p99 {:.1} ms, max {:.1} ms; {queued} trigger runs queued, {refused} deliveries refused",
            env_number("SLEEP_SECS", 10),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(times.last().copied().unwrap_or_default()),
        );
        let _ = stop.send(());
        let _ = server.await;
        let _ = std::fs::remove_dir_all(&dir);
    });
}
