//! Every registered block runs its test cases; a block without cases must say why.

use block_core::BlockTests;

#[test]
fn every_registered_block_passes_its_cases_or_says_why_it_has_none() {
    let registry = block_workspace_tests::registry();
    assert!(registry.blocks().len() > 0, "no block is registered: is a blocks crate not linked?");
    let mut failures = Vec::new();
    let mut ran = 0;
    for block in registry.blocks() {
        let descriptor = block.descriptor();
        match descriptor.tests {
            BlockTests::Cases(run) => match run() {
                Ok(count) => ran += count,
                Err(failure) => failures.push(failure.to_string()),
            },
            BlockTests::Untested(reason) if !reason.trim().is_empty() => {}
            BlockTests::Untested(_) => failures.push(format!("{}: `untested` needs a reason", descriptor.name)),
            BlockTests::Missing => failures.push(format!(
                "{}: has no test cases; add `tests = fn_name` to #[block] or say why with `untested = \"reason\"`",
                descriptor.name
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(ran > 0, "no test case ran");
}

#[test]
fn the_global_registry_holds_the_blocks_of_every_linked_crate() {
    let registry = block_workspace_tests::registry();
    let greet = registry.by_name("GreetBlock").expect("the examples crate's blocks are registered");
    assert_eq!(greet.id(), "5f6f3a34-8f4e-4b8e-9f38-1d2c3b4a5e6f");
    assert!(registry.by_name("SendWebRequestBlock").is_some(), "the providers crate's blocks are registered");
    assert_eq!(registry.by_id(greet.id()).map(|block| block.name()), Some("GreetBlock"));
}
