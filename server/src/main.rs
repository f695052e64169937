//! The block server binary.
fn main() {}
