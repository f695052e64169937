//! The executor in two steps: `prepare` checks everything and resolves credentials
//! once, `start` runs; one execution id end to end; the input normalised as the
//! reference platform does; each refusal of its own kind.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use block_core::credentials::{ApiKeyCredentials, CredentialsMeta, CredentialsType, StoreError, StoredCredentials};
use block_core::prelude::*;
use block_core::provider::{platform_credentials, platform_id};
use block_core::{
    CredentialStore, ExecuteError, ExecuteErrorKind, Executor, InMemoryCredentialStore, Provider, Registry, RunOptions,
    async_trait,
};

/// The Vault test provider.
#[provider(name = "vault", api_key(env = "VAULT_API_KEY"))]
pub struct Vault;

/// Input of the probing block.
#[derive(BlockInput)]
pub struct ProbeInput {
    /// A note, optional.
    pub note: Option<String>,
    /// How many times to say it.
    #[block_input(default = 2)]
    pub times: u64,
    /// A required label.
    pub label: String,
    /// Set by the platform only, never shown.
    #[block_input(hidden, default = "")]
    pub origin: String,
    /// Vault access, optional.
    pub credentials: Option<Credentials<Vault, ApiKey>>,
}

/// Outputs of the probing block.
#[derive(BlockOutput)]
pub enum ProbeOutput {
    /// What the block saw, as one object.
    Seen(Value),
}

/// The label of the run that is prepared and dropped, never started.
const DROPPED: &str = "prepared, then dropped";
static DROPPED_RAN: AtomicBool = AtomicBool::new(false);

/// Reports what it was given and which execution it is.
#[block(id = "3e5f7a9b-1c2d-4e6f-8a0b-2c4d6e8f0a1b", categories(Basic), untested = "cases are in this file")]
pub struct ProbeBlock;

impl Run for ProbeBlock {
    type Input = ProbeInput;
    type Output = ProbeOutput;
    async fn run(&self, input: ProbeInput, ctx: &RunContext, out: &Emit<ProbeOutput>) -> Result<(), BlockError> {
        if input.label == DROPPED {
            DROPPED_RAN.store(true, Ordering::SeqCst);
        }
        let key = input.credentials.as_ref().map(|credentials| credentials.api_key().expose_secret().to_owned());
        out.emit(ProbeOutput::Seen(json!({
            "execution_id": ctx.execution_id().to_string(),
            "note": input.note,
            "times": input.times,
            "label": input.label,
            "origin": input.origin,
            "key": key,
        })))
        .await
    }
}

/// Disabled, and so never run.
#[block(id = "5a7b9c1d-3e4f-4a6b-8c0d-2e4f6a8b0c1d", categories(Basic), disabled, untested = "only refused")]
pub struct DormantBlock;

impl Run for DormantBlock {
    type Input = ProbeInput;
    type Output = ProbeOutput;
    async fn run(&self, _input: ProbeInput, _ctx: &RunContext, _out: &Emit<ProbeOutput>) -> Result<(), BlockError> {
        Ok(())
    }
}

const SECRET: &str = "vault-secret-1f2e";

fn registry() -> Registry {
    Registry::builder().block::<ProbeBlock>().block::<DormantBlock>().build().expect("valid")
}

fn key(id: &str) -> StoredCredentials {
    StoredCredentials::ApiKey(ApiKeyCredentials {
        meta: CredentialsMeta { id: id.into(), provider: "vault".into(), kind: CredentialsType::ApiKey, title: None },
        api_key: SECRET.into(),
        expires_at: None,
    })
}

fn vault(id: &str) -> Value {
    json!({"id": id, "provider": "vault", "type": "api_key"})
}

/// A store that counts lookups, or fails every one as a broken database would.
struct Watched {
    inner: InMemoryCredentialStore,
    gets: AtomicUsize,
    broken: bool,
}

#[async_trait]
impl CredentialStore for Watched {
    async fn get(&self, user_id: &str, id: &str) -> Result<Option<StoredCredentials>, StoreError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        if self.broken {
            return Err(StoreError::Backend("database is locked".into()));
        }
        self.inner.get(user_id, id).await
    }
    async fn list(&self, user_id: &str) -> Result<Vec<CredentialsMeta>, StoreError> {
        self.inner.list(user_id).await
    }
    async fn put(&self, user_id: &str, credentials: StoredCredentials) -> Result<(), StoreError> {
        self.inner.put(user_id, credentials).await
    }
    async fn delete(&self, user_id: &str, id: &str) -> Result<(), StoreError> {
        self.inner.delete(user_id, id).await
    }
}

fn watched(broken: bool) -> Arc<Watched> {
    let inner = InMemoryCredentialStore::new()
        .with_user("alice", [key("alice-key")])
        .with_platform(platform_credentials([Vault::DESCRIPTOR], |_| Some(SECRET.to_owned())));
    Arc::new(Watched { inner, gets: AtomicUsize::new(0), broken })
}

async fn seen(execution: block_core::Execution) -> Value {
    let outputs = execution.collect().await;
    outputs.get("seen").and_then(|values| values.first()).cloned().unwrap_or_else(|| panic!("no output: {outputs:?}"))
}

#[tokio::test]
async fn prepare_resolves_credentials_once_and_start_runs_with_them() {
    let store = watched(false);
    let registry = registry();
    let block = registry.by_name("ProbeBlock").expect("registered");
    let input = json!({"label": "l", "credentials": vault("alice-key")});
    let prepared = Executor::new()
        .with_credentials(store.clone())
        .prepare(block, input, RunOptions::for_user("alice"))
        .await
        .expect("prepared");
    assert_eq!(store.gets.load(Ordering::SeqCst), 1);
    let used = prepared.credentials();
    assert_eq!((used.len(), used[0].field.as_str(), used[0].meta.id.as_str()), (1, "credentials", "alice-key"));
    assert!(!prepared.uses_platform_credentials());
    assert!(!prepared.input().to_string().contains(SECRET), "the input holds the meta object only");
    assert!(!format!("{prepared:?}").contains(SECRET));
    let seen = seen(prepared.start()).await;
    assert_eq!(seen["key"], SECRET, "the block got the secret resolved in prepare");
    assert_eq!(store.gets.load(Ordering::SeqCst), 1, "start looks nothing up again");
}

#[tokio::test]
async fn a_prepared_run_says_when_it_uses_platform_credentials() {
    let registry = registry();
    let block = registry.by_name("ProbeBlock").expect("registered");
    let id = platform_id("vault", CredentialsType::ApiKey);
    let input = json!({"label": "l", "credentials": vault(&id)});
    let prepared = Executor::new()
        .with_credentials(watched(false))
        .prepare(block, input, RunOptions::for_user("bob"))
        .await
        .expect("prepared");
    assert!(prepared.uses_platform_credentials());
    assert!(prepared.credentials()[0].platform);
}

#[tokio::test]
async fn dropping_a_prepared_run_runs_nothing() {
    let registry = registry();
    let block = registry.by_name("ProbeBlock").expect("registered");
    let prepared = Executor::new().prepare(block, json!({"label": DROPPED}), RunOptions::default()).await.expect("ok");
    drop(prepared);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!DROPPED_RAN.load(Ordering::SeqCst));
}

#[tokio::test]
async fn the_callers_execution_id_is_the_one_the_block_sees() {
    let registry = registry();
    let block = registry.by_name("ProbeBlock").expect("registered");
    let id = block_core::executor::new_execution_id().expect("random");
    let options = RunOptions::default().with_execution_id(id);
    let prepared = Executor::new().prepare(block, json!({"label": "l"}), options).await.expect("ok");
    assert_eq!(prepared.execution_id(), id);
    let execution = prepared.start();
    assert_eq!(execution.execution_id(), id);
    assert_eq!(seen(execution).await["execution_id"], id.to_string());
}

#[tokio::test]
async fn without_a_chosen_id_each_run_gets_a_fresh_time_ordered_uuid_v7() {
    let registry = registry();
    let block = registry.by_name("ProbeBlock").expect("registered");
    let executor = Executor::new();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let prepared = executor.prepare(block, json!({"label": "l"}), RunOptions::default()).await.expect("ok");
        let id = prepared.execution_id();
        assert_eq!(seen(prepared.start()).await["execution_id"], id.to_string());
        ids.push(id);
    }
    assert!(ids.iter().all(|id| id.get_version_num() == 7), "{ids:?}");
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "later runs sort later: {ids:?}");
}

#[tokio::test]
async fn null_for_an_optional_field_is_dropped() {
    let registry = registry();
    let block = registry.by_name("ProbeBlock").expect("registered");
    let input = json!({"label": "l", "note": null, "times": null, "credentials": null});
    let prepared = Executor::new().prepare(block, input, RunOptions::default()).await.expect("nulls are dropped");
    assert_eq!(prepared.input(), &json!({"label": "l"}));
    assert!(prepared.ignored_keys().is_empty(), "dropped nulls are not undeclared keys");
    let seen = seen(prepared.start()).await;
    assert_eq!((seen["note"].clone(), seen["times"].clone()), (Value::Null, json!(2)), "the default applies");
}

#[tokio::test]
async fn null_for_a_required_field_is_still_refused_at_its_pointer() {
    let registry = registry();
    let block = registry.by_name("ProbeBlock").expect("registered");
    let error = Executor::new().prepare(block, json!({"label": null}), RunOptions::default()).await.expect_err("null");
    assert_eq!(error.kind(), ExecuteErrorKind::InvalidInput);
    let paths: Vec<&str> = error.problems().iter().map(|problem| problem.path.as_str()).collect();
    assert_eq!(paths, ["/label"], "{error}");
}

#[tokio::test]
async fn unknown_keys_are_ignored_and_reported() {
    let registry = registry();
    let block = registry.by_name("ProbeBlock").expect("registered");
    let input = json!({"lable": "typo", "label": "l", "extra": {"x": 1}});
    let prepared = Executor::new().prepare(block, input, RunOptions::default()).await.expect("accepted");
    assert_eq!(prepared.ignored_keys(), ["lable", "extra"]);
    assert_eq!(prepared.input(), &json!({"label": "l"}));
    assert_eq!(block.input_schema()["additionalProperties"], json!(false), "the schema stays strict");
    assert_eq!(seen(prepared.start()).await["label"], "l");
}

#[tokio::test]
async fn a_hidden_field_is_declared_so_a_caller_can_set_it_as_today() {
    let registry = registry();
    let block = registry.by_name("ProbeBlock").expect("registered");
    let input = json!({"label": "l", "origin": "schedule"});
    let prepared = Executor::new().prepare(block, input, RunOptions::default()).await.expect("accepted");
    assert!(prepared.ignored_keys().is_empty());
    assert_eq!(seen(prepared.start()).await["origin"], "schedule");
}

#[tokio::test]
async fn a_disabled_block_is_refused_before_its_input_is_read() {
    let registry = registry();
    let block = registry.by_name("DormantBlock").expect("registered");
    let error = Executor::new().prepare(block, json!("not even an object"), RunOptions::default()).await;
    let error = error.expect_err("disabled");
    assert_eq!(error, ExecuteError::Disabled { block: "DormantBlock" });
    assert_eq!(error.kind(), ExecuteErrorKind::Disabled);
}

#[tokio::test]
async fn a_store_outage_is_unavailable_not_invalid_input() {
    let registry = registry();
    let block = registry.by_name("ProbeBlock").expect("registered");
    let input = json!({"label": "l", "credentials": vault("alice-key")});
    let error = Executor::new()
        .with_credentials(watched(true))
        .prepare(block, input, RunOptions::for_user("alice"))
        .await
        .expect_err("the store is down");
    assert_eq!(error.kind(), ExecuteErrorKind::Unavailable, "{error}");
    assert!(error.problems().is_empty(), "nothing is wrong with the input: {error}");
    assert!(error.to_string().contains("database is locked"), "{error}");
}

#[tokio::test]
async fn unknown_credentials_are_a_credentials_problem_at_the_fields_pointer() {
    let registry = registry();
    let block = registry.by_name("ProbeBlock").expect("registered");
    let input = json!({"label": "l", "credentials": vault("no-such-key"), "colour": "red"});
    let error = Executor::new()
        .with_credentials(watched(false))
        .prepare(block, input, RunOptions::for_user("alice"))
        .await
        .expect_err("unknown id");
    assert_eq!(error.kind(), ExecuteErrorKind::UnusableCredentials);
    assert_eq!(error.problems()[0].path, "/credentials");
    assert_eq!(error.ignored_keys(), ["colour"], "ignored keys are named on a refusal too");
}

#[test]
fn start_needs_no_runtime_on_the_thread_that_calls_it() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_time().build().expect("rt");
    let registry = registry();
    let block = registry.by_name("ProbeBlock").expect("registered");
    let prepared = runtime
        .block_on(Executor::new().prepare(block, json!({"label": "l"}), RunOptions::default()))
        .expect("prepared");
    // This thread has no runtime: the run goes to the one it was prepared on.
    let started = AtomicBool::new(false);
    let execution = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let execution = prepared.start();
                started.store(true, Ordering::SeqCst);
                execution
            })
            .join()
            .expect("start did not panic")
    });
    assert!(started.load(Ordering::SeqCst));
    assert_eq!(runtime.block_on(seen(execution))["label"], "l");
}
