//! Compile-fail and compile-and-run tests of the macros, as a user writes them.
//!
//! Each `ui/fail/*.rs` holds one mistake (or, in `several_mistakes_at_once.rs`, a few
//! on one item) and its `.stderr` is the exact message the user sees. Regenerate the
//! snapshots with `TRYBUILD=overwrite cargo test -p block-macros --test ui` and read
//! every changed one: each error must point at the offending token and say what to
//! write instead.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
