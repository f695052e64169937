//! The static description of a block, registered at link time.

use std::sync::Arc;

use serde_json::Value;

use crate::executor::erased::ErasedBlock;
use crate::testing::TestFailure;
use crate::{BlockType, Category, Cost};

/// Everything the registry knows about a block before building it. Only `&'static`
/// data and `fn` pointers, so it can be a `const` and be registered with `inventory`.
#[derive(Debug)]
pub struct BlockDescriptor {
    /// UUID v4, lowercase, 36 characters.
    pub id: &'static str,
    /// Unique name; the type name unless `#[block(name = ...)]` says otherwise.
    pub name: &'static str,
    /// From the block type's doc comment.
    pub description: &'static str,
    /// Categories the block is listed under.
    pub categories: &'static [Category],
    /// Names of the people who wrote it.
    pub contributors: &'static [&'static str],
    /// A disabled block is registered but not listed or executed.
    pub disabled: bool,
    /// Whether the block's outputs stay valid between runs (`staticOutput`).
    pub static_output: bool,
    /// How a UI presents the block.
    pub block_type: BlockType,
    /// For a trigger block: what starts it.
    pub trigger: Option<TriggerSpec>,
    /// For a polling trigger: how often it polls and how it tells new items.
    pub poll: Option<crate::polling::PollSpec>,
    /// What a run costs; when empty, the base costs of the providers whose
    /// credentials the block takes apply.
    pub costs: &'static [Cost],
    /// The block's test cases, or why it has none.
    pub tests: BlockTests,
    /// Renders the input schema.
    pub input_schema: fn() -> Value,
    /// Checks the input's declared defaults.
    pub check_defaults: fn() -> Vec<String>,
    /// Renders the output schema.
    pub output_schema: fn() -> Value,
    /// The output pins, without `error`.
    pub pins: &'static [&'static str],
    /// Builds the runnable block.
    #[doc(hidden)]
    pub instantiate: fn() -> Arc<dyn ErasedBlock>,
}

/// What starts a trigger block: deliveries of a provider's webhooks.
#[derive(Debug, Clone, Copy)]
pub struct TriggerSpec {
    /// The provider slug.
    pub provider: &'static str,
    /// The events the block runs on, when it has no event filter input.
    pub events: &'static [&'static str],
    /// With an event filter input: the event type's prefix (`pull_request` makes
    /// the filter field `opened` mean `pull_request.opened`).
    pub event_prefix: Option<&'static str>,
    /// The input field holding the event filter (an object of booleans), if any.
    pub filter_field: Option<&'static str>,
}

impl TriggerSpec {
    /// The events a subscription with this `input` runs on.
    pub fn events_for(&self, input: &Value) -> Vec<String> {
        let Some(field) = self.filter_field else {
            return self.events.iter().map(|e| (*e).to_owned()).collect();
        };
        let Some(filter) = input[field].as_object() else { return Vec::new() };
        filter
            .iter()
            .filter(|(_, on)| on.as_bool() == Some(true))
            .map(|(name, _)| match self.event_prefix {
                Some(prefix) => format!("{prefix}.{name}"),
                None => name.clone(),
            })
            .collect()
    }
}

/// Whether and how a block is tested.
#[derive(Debug, Clone, Copy)]
pub enum BlockTests {
    /// Runs the block's cases through the executor; returns how many ran.
    Cases(fn() -> Result<usize, TestFailure>),
    /// The block has no cases, for the stated reason.
    Untested(&'static str),
    /// Neither: the workspace test fails for such a block.
    Missing,
}

/// The item `inventory` collects: one per `#[block]`.
#[derive(Debug)]
pub struct Registration(pub &'static BlockDescriptor);

inventory::collect!(Registration);
