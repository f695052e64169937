//! # block-macros
//!
//! The derives and attributes behind blocks: `#[derive(BlockInput)]`,
//! `#[derive(BlockOutput)]`, `#[derive(BlockEnum)]` and `#[block(...)]`. Use them
//! through `block-core`, which re-exports them; the generated code names its runtime
//! only through `::block_core::__private` (or the path given with `crate = ...`).
//!
//! Every mistake is reported as a compile error on the offending token, all of them
//! in one build, and the user's item is still emitted so that one mistake gives one
//! message. This crate must never generate code that names a crate the user did not
//! depend on.

mod block_attr;
mod block_enum;
mod input;
mod internals;
mod output;
mod provider_attr;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `block_core::BlockInput` (and serde's traits) for a struct of input
/// fields. See the `block-core` documentation for the `#[block_input(...)]` keys. The
/// former spelling `#[block_input(...)]` still works, with a deprecation warning: it
/// collides with other derives' attributes.
#[proc_macro_derive(BlockInput, attributes(block_input, input))]
pub fn derive_block_input(item: TokenStream) -> TokenStream {
    input::expand(parse_macro_input!(item as DeriveInput)).into()
}

/// Derives `block_core::BlockOutput` for an enum with one variant per output pin
/// (`#[block_output(name = "...", title = "...")]` on a variant). The former spelling
/// `#[block_output(...)]` still works, with a deprecation warning.
#[proc_macro_derive(BlockOutput, attributes(block_output, output))]
pub fn derive_block_output(item: TokenStream) -> TokenStream {
    output::expand(parse_macro_input!(item as DeriveInput)).into()
}

/// Derives serde's traits and a JSON schema `enum` for a field-less enum, so it can
/// be an input field (values are the variant names in snake_case, or
/// `#[block_value(rename = "...")]`; `#[block_value(crate = ...)]` on the enum moves the
/// runtime path). The former spelling `#[value(...)]` still works, with a deprecation
/// warning: it collides with other derives' attributes.
#[proc_macro_derive(BlockEnum, attributes(block_value, value))]
pub fn derive_block_enum(item: TokenStream) -> TokenStream {
    block_enum::expand(parse_macro_input!(item as DeriveInput)).into()
}

/// Declares a block: `#[block(id = "<uuid v4>", categories(...), tests = cases_fn)]`
/// on a struct that implements `block_core::Run`.
#[proc_macro_attribute]
pub fn block(args: TokenStream, item: TokenStream) -> TokenStream {
    block_attr::expand(args.into(), item.into()).into()
}

/// Declares a provider: `#[provider(name = "example", api_key(env = "EXAMPLE_API_KEY"))]`
/// on a unit struct. Blocks name it in `Credentials<Example, ApiKey>` fields.
#[proc_macro_attribute]
pub fn provider(args: TokenStream, item: TokenStream) -> TokenStream {
    provider_attr::expand(args.into(), item.into()).into()
}
