//! # block-providers
//!
//! Ready-made blocks, one module per integration. [`basic`] holds the blocks that
//! need no third party: storing values, text (templates, split, join, replace,
//! extract), JSON (paths, parse, serialize, merge), lists, dictionaries, dates and
//! times in any time zone, random numbers and UUIDs, hashes and HMACs, base64,
//! CSV, arithmetic, regular expressions, iteration, conditions and a delay.
//! [`github`] is the GitHub integration: a personal access token or OAuth login,
//! webhooks, and blocks for issues, comments and pull requests. [`web`] sends a
//! request to any public URL.
//!
//! - [`openai`]: chat completions (text, or JSON that follows a schema) and
//!   embeddings, with a `base_url` for OpenAI-compatible servers; token usage on
//!   a pin.
//! - [`anthropic`]: Claude through the Messages API; token usage on a pin.
//! - [`discord`]: messages as a bot, or through a channel's webhook URL.
//! - [`notion`]: create pages, query databases, append blocks; a token or OAuth.
//! - [`google`]: Gmail send and list, Sheets read and append; OAuth with refresh.
//! - [`airtable`]: list, create and update records.
//! - [`rss`]: RSS and Atom feeds, parsed into typed entries.
//! - [`slack`]: post messages, list channels, look up members (a bot token or
//!   OAuth); a trigger on Events API deliveries signed with the app's secret.
//! - [`linear`]: create and search issues through the GraphQL API (an API key or
//!   OAuth); a trigger on issue events of its signed webhooks.
//! - [`stripe`]: create customers and payment links; triggers on Checkout
//!   Session and PaymentIntent events signed by Stripe.
//! - [`telegram`]: send messages as a bot; a trigger on the messages it receives,
//!   through a webhook registered with `setWebhook` and a secret token.
//! - [`twilio`]: send SMS (account SID and auth token); a trigger on incoming
//!   messages signed over the webhook's public URL.
//!
//! Every block registers itself when this crate is linked into a binary; a binary
//! that names nothing from it must still write `use block_providers as _;`.
//!
//! Blocks here must never panic on their input, reach the network except through
//! `ctx.http()`, or read configuration from anywhere but their input and context.

pub mod airtable;
pub mod anthropic;
pub mod basic;
pub mod discord;
pub mod github;
pub mod google;
pub mod linear;
pub mod notion;
pub mod openai;
pub mod rss;
pub mod slack;
pub mod stripe;
pub mod telegram;
pub mod twilio;
pub mod web;

mod retry_after;
