use block_core::prelude::*;

#[derive(BlockOutput)]
pub enum GreetOutput {}

fn main() {}
