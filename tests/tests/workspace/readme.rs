//! The README's code is the code that is compiled and tested.

fn rust_blocks(markdown: &str) -> Vec<&str> {
    markdown.split("```rust\n").skip(1).filter_map(|rest| rest.split("```").next()).collect()
}

/// The files whose code the README shows; each is compiled (and run) by the tests.
const COMPILED: &[&str] = &[
    "examples/src/greet.rs",
    "examples/examples/embed.rs",
    "examples/src/example/trigger.rs",
    "tests/tests/struct_pin.rs",
    "providers/src/rss/feed_trigger.rs",
    "tests/tests/workspace/graph_builder.rs",
];

#[test]
fn the_readme_shows_the_compiled_examples_verbatim() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let read = |path: &str| std::fs::read_to_string(format!("{root}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"));
    let readme = read("README.md");
    let greet = read("examples/src/greet.rs");
    let blocks = rust_blocks(&readme);
    assert!(blocks.len() >= 3, "the README has its Rust examples");
    assert!(greet.contains(blocks[0]), "README's first block differs from examples/src/greet.rs");
    assert!(greet.contains(blocks[1]), "README's test cases differ from examples/src/greet.rs");
    let sources: Vec<String> = COMPILED.iter().map(|path| read(path)).collect();
    for (index, block) in blocks.iter().enumerate() {
        assert!(
            sources.iter().any(|source| source.contains(block)),
            "README's Rust example #{} is not verbatim in any of {COMPILED:?}:\n{block}",
            index + 1
        );
    }
}
