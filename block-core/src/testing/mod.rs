//! The test harness: typed cases run through the real executor.
//!
//! `#[block(tests = my_cases)]` names a function returning `Vec<TestCase<MyBlock>>`;
//! the macro emits a `#[test]` that runs them, and the workspace test runs every
//! registered block's cases. Outputs are matched in order; a missing or extra output
//! fails the case, and the failure shows expected against actual, pin by pin.

mod case;
mod compare;
mod contradictions;
mod delivery;
mod expect;
mod kinds;
mod poll;
mod registry_check;
mod report;

use std::time::Duration;

pub use case::TestCase;
pub use delivery::TEST_PUBLIC_URL;
pub use expect::{Expect, PinName};
pub use registry_check::check_registry;
pub use report::TestFailure;

use std::sync::Arc;

use crate::credentials::{InMemoryCredentialStore, StoredCredentials, test_credentials};
use crate::http::MockTransport;
use crate::{Block, Executor, RegisteredBlock, Registry, RunOptions};

/// The user every test case runs as.
pub const TEST_USER: &str = "test-user";

/// Runs the cases of `B` named by its `#[block(tests = ...)]`; returns how many ran.
/// A block without cases (`untested = "..."`, or nothing said) is an error, not
/// zero cases passed: a caller asking for a block's cases expects some to run.
pub fn run_block_cases<B: Block>() -> Result<usize, TestFailure> {
    let name = B::DESCRIPTOR.name;
    match B::DESCRIPTOR.tests {
        crate::BlockTests::Cases(run) => run(),
        crate::BlockTests::Untested(reason) => {
            Err(TestFailure::setup(name, format!("the block has no test cases (untested: {reason})")))
        }
        crate::BlockTests::Missing => Err(TestFailure::setup(
            name,
            "the block has no test cases; add `tests = fn_name` to #[block] or say why with `untested = \"reason\"`",
        )),
    }
}

/// The longest a block may hold its thread in one step in a test case: far above
/// any honest step (a mocked HTTP call, a parse), far below a blocking sleep or call
/// that would stall a server's worker.
pub const MAX_POLL: Duration = Duration::from_millis(250);

/// Runs `cases` of block `B` through the executor on a fresh runtime.
pub fn run_cases<B: Block>(cases: Vec<TestCase<B>>) -> Result<usize, TestFailure> {
    let name = B::DESCRIPTOR.name;
    if cases.is_empty() {
        return Err(TestFailure::setup(
            name,
            "the test function returned no cases; return at least one, or use `untested = \"reason\"`",
        ));
    }
    let registry =
        Registry::builder().block::<B>().build().map_err(|error| TestFailure::setup(name, error.to_string()))?;
    let block =
        registry.by_id(B::DESCRIPTOR.id).ok_or_else(|| TestFailure::setup(name, "the block did not register"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|error| TestFailure::setup(name, format!("could not start a runtime: {error}")))?;
    let count = cases.len();
    let mut failures = Vec::new();
    let store = Arc::new(test_store(block));
    for case in cases {
        if let Err(failure) = runtime.block_on(run_case(&registry, block, case, store.clone())) {
            failures.push(failure);
        }
    }
    if failures.is_empty() { Ok(count) } else { Err(TestFailure::cases(name, failures)) }
}

/// A store holding, for the test user, the test credentials of every provider and
/// kind the block's credentials fields accept, granted the scopes they require.
fn test_store(block: &RegisteredBlock) -> InMemoryCredentialStore {
    let mut credentials = Vec::new();
    for field in block.credential_fields() {
        for &kind in &field.types {
            let mut stored = test_credentials(&field.provider, kind);
            if let StoredCredentials::OAuth2(oauth) = &mut stored {
                oauth.scopes.clone_from(&field.scopes);
            }
            credentials.push(stored);
        }
    }
    InMemoryCredentialStore::new().with_user(TEST_USER, credentials)
}

async fn run_case<B: Block>(
    registry: &Registry,
    block: &RegisteredBlock,
    mut case: TestCase<B>,
    store: Arc<InMemoryCredentialStore>,
) -> Result<(), report::CaseFailure> {
    if let Some(contradiction) = case.contradictions() {
        return Err(contradiction);
    }
    // Every case gets a mock transport, even one with no exchanges: tests never
    // touch the network, and an unexpected request fails the case by name.
    let mock = Arc::new(MockTransport::new(std::mem::take(&mut case.exchanges)));
    let executor = Executor::new()
        .allow_disabled(true)
        .with_timeout(case.timeout.unwrap_or(Duration::from_secs(30)))
        .with_max_poll(MAX_POLL)
        .with_credentials(store)
        .with_transport(mock.clone());
    let name = case.name.clone();
    let checked = if case.poll.is_some() {
        poll::run(block, case, executor).await
    } else if case.delivery.is_some() {
        delivery::run(registry, case, executor).await
    } else {
        match case.input_json() {
            Ok(input) => {
                let outcome = executor.execute(block, input, RunOptions::for_user(TEST_USER)).await;
                case.check(outcome).await
            }
            Err(message) => Err(report::CaseFailure::new(&name, message)),
        }
    };
    match (checked, mock.verify()) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(failure), Ok(())) => Err(failure),
        (Ok(()), Err(http)) => Err(report::CaseFailure::new(&name, http)),
        (Err(failure), Err(http)) => Err(failure.with_note(&http)),
    }
}
