//! # block-core
//!
//! The runtime for *blocks*: small, reusable units of work with a typed input, a
//! stream of named outputs and a cost. Authors write ordinary Rust types and annotate
//! them; the macros re-exported here derive the schemas, the registration and the test
//! cases. Everything a block needs at run time lives here: the traits, the schema
//! builders, the [`Registry`], the [`Executor`] and the [`testing`] harness.
//!
//! ```
//! use block_core::prelude::*;
//!
//! /// Inputs of the greeting block.
//! #[derive(BlockInput)]
//! pub struct GreetInput {
//!     /// Who to greet.
//!     pub name: String,
//! }
//!
//! #[derive(BlockOutput)]
//! pub enum GreetOutput {
//!     /// The greeting.
//!     Greeting(String),
//! }
//!
//! /// Greets someone.
//! #[block(id = "5f6f3a34-8f4e-4b8e-9f38-1d2c3b4a5e6f", categories(Basic), tests = greet_cases)]
//! pub struct GreetBlock;
//!
//! impl Run for GreetBlock {
//!     type Input = GreetInput;
//!     type Output = GreetOutput;
//!     async fn run(&self, input: GreetInput, _ctx: &RunContext, out: &Emit<GreetOutput>) -> Result<(), BlockError> {
//!         out.emit(GreetOutput::Greeting(format!("Hello, {}!", input.name))).await
//!     }
//! }
//!
//! fn greet_cases() -> Vec<TestCase<GreetBlock>> {
//!     vec![TestCase::new("greets by name", GreetInput { name: "Ada".into() })
//!         .output(GreetOutput::Greeting("Hello, Ada!".into()))]
//! }
//! # fn main() { block_core::testing::run_block_cases::<GreetBlock>().unwrap(); }
//! ```
//!
//! Blocks register themselves through `inventory` when their crate is linked into the
//! final binary. A binary that only depends on a blocks crate without naming anything
//! from it must still reference it, or the linker drops its blocks:
//!
//! ```ignore
//! use my_blocks as _;
//! ```
//!
//! This crate must never panic on input-derived data, print or serialize a secret, or
//! reach the network on its own.

// Everything a public signature names must be nameable by users: a public type in
// a private module, reachable but unnameable, is a mistake this lint reports.
#![warn(unnameable_types)]

mod category;
mod context;
pub mod cost;
pub mod credentials;
mod descriptor;
mod error;
pub mod executor;
pub mod graph;
pub mod http;
pub mod oauth;
pub mod polling;
pub mod provider;
pub mod registry;
pub mod schema;
pub mod testing;
pub mod tokens;
mod traits;
pub mod webhooks;

/// Writes `async fn` in implementations of the traits held behind `dyn`
/// ([`CredentialStore`], [`oauth::OAuthHandler`], [`webhooks::WebhookManager`],
/// [`webhooks::WebhookStore`], [`webhooks::TriggerGate`]): put `#[async_trait]` on the
/// `impl` block.
pub use async_trait::async_trait;
pub use block_macros::{BlockEnum, BlockInput, BlockOutput, block, provider};
pub use category::{BlockType, Category};
pub use context::RunContext;
pub use cost::{Cost, CostFilter, CostUnit, Usage};
pub use credentials::{
    ApiKey, CredentialStore, Credentials, HostScoped, InMemoryCredentialStore, OAuth2, UserPassword,
};
pub use descriptor::{BlockDescriptor, BlockTests, Registration, TriggerSpec};
pub use error::{BlockError, BlockErrorKind};
pub use executor::{
    Emit, ExecuteError, ExecuteErrorKind, Execution, Executor, OutputEvent, Outputs, PreparedRun, RunOptions,
    UsedCredentials,
};
/// The boxed, sendable future that object-safe traits return where `#[async_trait]`
/// is not used ([`http::Transport`], [`http::Resolver`], [`polling::PollSpec`]): write
/// `Box::pin(async move { ... })` to make one.
pub use futures_util::future::BoxFuture;
/// The boxed, sendable stream of outputs a [`graph::NodeRunner`] returns.
pub use futures_util::stream::BoxStream;
pub use polling::{Poll, PolledItem};
pub use provider::{AuthMethod, Provider, ProviderDescriptor};
pub use registry::{InputProblem, RegisteredBlock, Registry, RegistryBuilder, RegistryError, RegistryProblem};
pub use testing::{Expect, TestCase};
pub use traits::{Block, BlockInput, BlockOutput, Run};

/// Secret strings: `Debug` redacts them; reading one takes `expose_secret()`.
pub use secrecy::{ExposeSecret, SecretString};
/// The JSON library, for blocks that parse or build JSON beyond `json!`.
pub use serde_json;

/// Serialization, for types that travel on an output pin or inside an input.
///
/// A struct carried by an output pin needs `Serialize` and `JsonSchema`. Derive
/// both through this crate, so a blocks crate needs no dependency but `block-core`:
/// `#[serde(crate = ...)]` and `#[schemars(crate = ...)]` tell the derives where
/// their runtime is.
///
/// ```
/// use block_core::prelude::*;
/// use block_core::schemars::JsonSchema;
/// use block_core::serde::Serialize;
///
/// /// One open issue.
/// #[derive(Serialize, JsonSchema)]
/// #[serde(crate = "block_core::serde")]
/// #[schemars(crate = "block_core::schemars")]
/// pub struct Issue {
///     /// The issue's number.
///     pub number: u64,
///     /// The issue's title.
///     pub title: String,
/// }
///
/// /// Outputs of a block listing issues.
/// #[derive(BlockOutput)]
/// pub enum ListOutput {
///     /// One issue, as an object with `number` and `title`.
///     Issue(Issue),
/// }
/// # use block_core::BlockOutput as _;
/// # let schema = <ListOutput as block_core::BlockOutput>::output_schema();
/// # assert_eq!(schema["properties"]["issue"]["$ref"], "#/$defs/Issue");
/// # assert_eq!(schema["$defs"]["Issue"]["properties"]["number"]["type"], "integer");
/// ```
pub use serde;

/// JSON schemas of Rust types: derive `JsonSchema` for a struct carried by an output
/// pin (with `#[schemars(crate = "block_core::schemars")]`; see [`serde`](mod@serde)).
pub use schemars;
/// JSON values, as blocks receive and emit them.
pub use serde_json::{Value, json};
/// Execution ids ([`RunContext::execution_id`], [`RunOptions::execution_id`]).
pub use uuid::Uuid;

/// Everything a block author needs, in one import.
pub mod prelude {
    pub use crate::http::Exchange;
    pub use crate::{
        ApiKey, Block, BlockEnum, BlockError, BlockInput, BlockOutput, Category, Credentials, Emit, HostScoped, OAuth2,
        Poll, PolledItem, Run, RunContext, TestCase, UserPassword, Value, block, json, provider,
    };
    pub use secrecy::{ExposeSecret, SecretString};
}

/// Paths used by the code the macros generate. Not a public API: it may change in
/// any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::executor::erased::{ErasedBlock, ReadyRun, erase};
    pub use crate::polling::{Dedupe, PollSpec, erased_poll};
    pub use crate::schema::{
        FieldSpec, InputFields, InputSchemaBuilder, OutputSchemaBuilder, deserialize_enum_value, enum_index_error,
        enum_schema, missing_field, root_input_schema,
    };
    pub use crate::traits::has_hidden_payload;
    pub use inventory;
    pub use schemars;
    pub use serde;
    pub use serde_json;
    pub use std::boxed::Box;
    pub use std::result::Result;
    pub use std::string::String;
    pub use std::vec::Vec;
}
