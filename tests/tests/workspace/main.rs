//! Whole-workspace tests in one binary: every registered block's cases, the schema
//! snapshots and meta-schema checks, and the README's code. (`struct_pin.rs` registers
//! a block of its own, which would join the snapshots here: it keeps its own binary.)

mod every_block;
mod graph_builder;
mod graphs;
mod readme;
mod schemas;
