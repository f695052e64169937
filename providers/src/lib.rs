//! # block-providers
//!
//! Ready-made blocks, one module per integration. [`basic`] holds the blocks that
//! need no third party: storing values, text templates, JSON paths, arithmetic,
//! regular expressions, iteration and conditions. [`github`] is the GitHub
//! integration: a personal access token or OAuth login, webhooks, and blocks for
//! issues, comments and pull requests. [`web`] sends a request to any public URL.
//!
//! Every block registers itself when this crate is linked into a binary; a binary
//! that names nothing from it must still write `use block_providers as _;`.
//!
//! Blocks here must never panic on their input, reach the network except through
//! `ctx.http()`, or read configuration from anywhere but their input and context.

pub mod basic;
pub mod github;
pub mod web;
