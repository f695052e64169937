// `#[value(...)]` still works but is deprecated: denied here, its warning shows.
#![deny(deprecated)]

use block_core::prelude::*;

/// How to greet.
#[derive(BlockEnum)]
pub enum Style {
    #[value(rename = "FORMAL")]
    Formal,
    #[block_value(rename = "CASUAL")]
    Casual,
}

fn main() {}
