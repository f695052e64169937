//! Behaviour of the registry: validation, lookup and the block info shape.

use block_core::prelude::*;
use block_core::{BlockDescriptor, BlockTests, BlockType, Registry, RegistryProblem};

/// Input of the echo block.
#[derive(BlockInput)]
pub struct EchoInput {
    /// What to echo.
    #[block_input(placeholder = "hello", min_length = 1)]
    pub text: String,
    /// How many times.
    #[block_input(default = 1, min = 1, max = 10)]
    pub times: u32,
}

/// Outputs of the echo block.
#[derive(BlockOutput)]
pub enum EchoOutput {
    /// The text, once per repetition.
    Echo(String),
}

/// Echoes its input.
#[block(id = "3d0f3c3e-9a5b-4c1e-8f7a-2b6d9e0c1a42", categories(Basic, Text), contributors("Ada"), tests = echo_cases)]
pub struct EchoBlock;

impl Run for EchoBlock {
    type Input = EchoInput;
    type Output = EchoOutput;
    async fn run(&self, input: EchoInput, _ctx: &RunContext, out: &Emit<EchoOutput>) -> Result<(), BlockError> {
        for _ in 0..input.times {
            out.emit(EchoOutput::Echo(input.text.clone())).await?;
        }
        Ok(())
    }
}

fn echo_cases() -> Vec<TestCase<EchoBlock>> {
    vec![
        TestCase::new("echoes twice", EchoInput { text: "hi".into(), times: 2 })
            .outputs([EchoOutput::Echo("hi".into()), EchoOutput::Echo("hi".into())]),
        TestCase::json("uses the default count", json!({"text": "x"})).output(EchoOutput::Echo("x".into())),
        TestCase::json("refuses an empty text and too many times", json!({"text": "", "times": 11}))
            .invalid_input(["/text", "/times"]),
    ]
}

/// A second block reusing the echo block's parts under a clashing id.
static SAME_ID: BlockDescriptor = BlockDescriptor { name: "EchoAgainBlock", ..*EchoBlock::DESCRIPTOR };
/// A second block reusing the echo block's parts under a clashing name.
static SAME_NAME: BlockDescriptor =
    BlockDescriptor { id: "8e4b1c7a-2f3d-4a6b-9c8d-7e6f5a4b3c2d", ..*EchoBlock::DESCRIPTOR };
/// A block whose id is not a UUID v4.
static BAD_ID: BlockDescriptor =
    BlockDescriptor { id: "not-a-uuid", name: "BadIdBlock", tests: BlockTests::Missing, ..*EchoBlock::DESCRIPTOR };

#[test]
fn duplicate_ids_and_names_are_errors_naming_both_blocks() {
    let error = Registry::builder()
        .block::<EchoBlock>()
        .descriptor(&SAME_ID)
        .descriptor(&SAME_NAME)
        .descriptor(&BAD_ID)
        .build()
        .expect_err("clashes");
    let problems = error.problems();
    assert!(
        problems.contains(&RegistryProblem::DuplicateId {
            id: "3d0f3c3e-9a5b-4c1e-8f7a-2b6d9e0c1a42",
            first: "EchoAgainBlock",
            second: "EchoBlock",
        }) || problems.contains(&RegistryProblem::DuplicateId {
            id: "3d0f3c3e-9a5b-4c1e-8f7a-2b6d9e0c1a42",
            first: "EchoBlock",
            second: "EchoAgainBlock",
        }),
        "{error}"
    );
    assert!(problems.iter().any(|p| matches!(p, RegistryProblem::DuplicateName { name: "EchoBlock", .. })), "{error}");
    assert!(problems.contains(&RegistryProblem::InvalidId { block: "BadIdBlock", id: "not-a-uuid" }), "{error}");
    let message = error.to_string();
    assert!(message.contains("EchoBlock") && message.contains("EchoAgainBlock"), "{message}");
}

#[test]
fn adding_the_same_block_twice_is_harmless() {
    let registry = Registry::builder().block::<EchoBlock>().block::<EchoBlock>().build().expect("valid");
    assert_eq!(registry.blocks().len(), 1);
}

#[test]
fn blocks_are_found_by_id_and_by_name() {
    let registry = Registry::builder().block::<EchoBlock>().build().expect("valid");
    assert_eq!(registry.by_id("3d0f3c3e-9a5b-4c1e-8f7a-2b6d9e0c1a42").map(|b| b.name()), Some("EchoBlock"));
    assert_eq!(registry.by_name("EchoBlock").map(|b| b.id()), Some("3d0f3c3e-9a5b-4c1e-8f7a-2b6d9e0c1a42"));
    assert_eq!(registry.find("EchoBlock").map(|b| b.name()), Some("EchoBlock"));
    assert!(registry.find("NoSuchBlock").is_none());
}

#[test]
fn the_global_registry_refuses_a_linked_block_with_a_bad_default() {
    let error = Registry::global().expect_err("BadDefaultBlock is linked into this test binary");
    assert!(
        error.problems().iter().any(|p| matches!(p, RegistryProblem::BadDefault { block: "BadDefaultBlock", .. })),
        "{error}"
    );
}

#[test]
fn block_info_has_the_reference_shape() {
    let registry = Registry::builder().block::<EchoBlock>().build().expect("valid");
    let info = registry.by_name("EchoBlock").expect("registered").info();
    let keys: Vec<&str> = info.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "description",
            "inputSchema",
            "outputSchema",
            "categories",
            "contributors",
            "staticOutput",
            "uiType",
            "costs"
        ]
    );
    assert_eq!(info["description"], "Echoes its input.");
    assert_eq!(
        info["categories"],
        json!([
            {"category": "BASIC", "description": "Block that performs basic operations."},
            {"category": "TEXT", "description": "Block that processes text data."},
        ])
    );
    assert_eq!(info["contributors"], json!([{"name": "Ada"}]));
    assert_eq!(info["uiType"], "Standard");
    assert_eq!(info["staticOutput"], false);
    assert_eq!(info["inputSchema"]["properties"]["text"]["placeholder"], "hello");
    assert_eq!(info["outputSchema"]["properties"]["error"]["type"], "string");
    assert_eq!(EchoBlock::DESCRIPTOR.block_type, BlockType::Standard);
    let listing: Value = serde_json::from_str(registry.listing_json()).expect("JSON");
    assert_eq!(listing, json!([info]));
}

/// A block whose default does not fit its field.
#[derive(BlockInput)]
pub struct BadDefaultInput {
    /// A number with a text default.
    #[block_input(default = "many")]
    pub count: u32,
}

/// The bad-default block.
#[block(id = "c7d6e5f4-a3b2-4c1d-8e9f-0a1b2c3d4e5f", categories(Basic), untested = "only built to be refused")]
pub struct BadDefaultBlock;

impl Run for BadDefaultBlock {
    type Input = BadDefaultInput;
    type Output = EchoOutput;
    async fn run(&self, _input: BadDefaultInput, _ctx: &RunContext, _out: &Emit<EchoOutput>) -> Result<(), BlockError> {
        Ok(())
    }
}

#[test]
fn a_default_that_does_not_fit_its_field_is_refused() {
    let error = Registry::builder().block::<BadDefaultBlock>().build().expect_err("bad default");
    let message = error.to_string();
    assert!(message.contains("BadDefaultBlock") && message.contains("`count`") && message.contains("u32"), "{message}");
}
