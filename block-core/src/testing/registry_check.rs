//! A blocks crate checks its own blocks in its own tests, before a server does.

use crate::provider::ProviderDescriptor;
use crate::{BlockDescriptor, BlockTests, RegistryBuilder, RegistryError, RegistryProblem};

/// Checks a set of blocks as a server would when it starts, and a little more,
/// returning every problem at once:
/// - ids that are not UUID v4, duplicate ids and duplicate names (naming both
///   blocks);
/// - credentials fields naming a provider that is not registered, or a kind of
///   credentials their provider does not offer;
/// - defaults that do not fit their fields, and schemas that do not compile or
///   cannot be served with their references inlined;
/// - blocks with neither test cases nor a reason to have none, and trigger blocks
///   whose provider sends no webhooks (both refused at compile time by the macros,
///   so only hand-written descriptors can have them).
///
/// Call it from a test of the blocks crate, over every block the crate links:
///
/// ```
/// use block_core::Registry;
/// use block_core::testing::check_registry;
///
/// # fn main() {
/// // In `tests/registry.rs` of a blocks crate, inside a `#[test]`:
/// if let Err(problems) = check_registry(Registry::builder().all_registered()) {
///     panic!("{problems}");
/// }
/// # }
/// ```
pub fn check_registry(builder: RegistryBuilder) -> Result<(), RegistryError> {
    let providers = builder.known_providers();
    let mut problems = Vec::new();
    for descriptor in builder.descriptors() {
        problems.extend(beyond_the_build(descriptor, &providers));
    }
    if let Err(error) = builder.build() {
        let mut all = error.problems().to_vec();
        all.extend(problems);
        problems = all;
    }
    if problems.is_empty() { Ok(()) } else { Err(RegistryError::new(problems)) }
}

/// What the registry build lets through because the macros already refuse it.
fn beyond_the_build(descriptor: &BlockDescriptor, providers: &[&ProviderDescriptor]) -> Vec<RegistryProblem> {
    let mut problems = Vec::new();
    if matches!(descriptor.tests, BlockTests::Missing) {
        problems.push(RegistryProblem::NoTests { block: descriptor.name });
    }
    if let Some(trigger) = descriptor.trigger {
        let sends_webhooks =
            providers.iter().any(|provider| provider.name == trigger.provider && provider.webhooks.is_some());
        if !sends_webhooks {
            problems
                .push(RegistryProblem::TriggerWithoutWebhooks { block: descriptor.name, provider: trigger.provider });
        }
    }
    problems
}
