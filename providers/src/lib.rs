//! # block-providers
//!
//! Ready-made blocks, one module per integration. [`basic`] holds the blocks that
//! need no third party: storing values, text templates, JSON paths, arithmetic,
//! regular expressions, iteration and conditions. [`github`] is the GitHub
//! integration: a personal access token or OAuth login, webhooks, and blocks for
//! issues, comments and pull requests.
//! [`slack`] posts messages, lists channels and looks up members with a bot
//! token or OAuth, and triggers on Events API deliveries signed with the app's
//! signing secret.
//! [`linear`] creates and searches issues through Linear's GraphQL API with an
//! API key or OAuth, and triggers on issue events of its signed webhooks.
//! [`stripe`] creates customers and payment links with a secret key, and
//! triggers on Checkout Session and PaymentIntent events signed by Stripe.
//! [`telegram`] sends messages as a bot and triggers on the messages it receives,
//! through a webhook registered with `setWebhook` and a secret token.
//! [`twilio`] sends SMS with an account SID and auth token, and triggers on
//! incoming messages signed over the webhook's public URL.
//!
//! Every block registers itself when this crate is linked into a binary; a binary
//! that names nothing from it must still write `use block_providers as _;`.
//!
//! Blocks here must never panic on their input, reach the network except through
//! `ctx.http()`, or read configuration from anywhere but their input and context.

pub mod basic;
pub mod github;
pub mod linear;
pub mod slack;
pub mod stripe;
pub mod telegram;
pub mod twilio;
