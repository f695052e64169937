//! The web console over real connections on 127.0.0.1: sign-in, sessions and
//! their cookie, anti-forgery checks, escaping of what users typed, the try-it
//! form's runs and problems, and the pages of credentials, runs, keys and
//! schedules.

// The blocks the tests use: linking the crates registers them.
use block_examples as _;
use block_providers as _;

mod support;

mod agents;
mod forms;
mod oauth;
mod pages;
mod plans;
mod signin;
