//! The registry serves schemas in wire form (references inlined, no `$` keywords)
//! and validates inputs against exactly that form.

use block_core::prelude::*;
use block_core::schema::RECURSIVE_MARKER;
use block_core::schemars::JsonSchema;
use block_core::serde::{Deserialize, Serialize};
use block_core::{BlockDescriptor, Executor, Registry, RegistryProblem, RunOptions};

/// How loud to be.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Volume {
    /// Quietly.
    Low,
    /// Loudly.
    High,
}

/// A labelled tree: a recursive type inside an input.
#[derive(Serialize, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
#[serde(crate = "block_core::serde")]
#[schemars(crate = "block_core::schemars")]
pub struct Outline {
    /// The heading.
    pub heading: String,
    /// Sub-headings.
    pub sections: Vec<Outline>,
}

/// A summary of an outline, carried by an output pin.
#[derive(Serialize, JsonSchema, Debug, Clone, PartialEq)]
#[serde(crate = "block_core::serde")]
#[schemars(crate = "block_core::schemars")]
pub struct Summary {
    /// The top heading, at the chosen volume.
    pub title: String,
    /// Headings in the whole outline.
    pub headings: u64,
}

/// Inputs of the outline block.
#[derive(BlockInput)]
pub struct OutlineInput {
    /// The outline to summarise.
    pub outline: Outline,
    /// How to write the title.
    #[block_input(default = "low")]
    pub volume: Volume,
}

/// Outputs of the outline block.
#[derive(BlockOutput)]
pub enum OutlineOutput {
    /// The summary.
    Summary(Summary),
}

/// Summarises an outline.
#[block(id = "0b6c1f9e-3d2a-4e5b-8c7d-6f5e4d3c2b1a", categories(Text), tests = outline_cases)]
pub struct OutlineBlock;

fn count(outline: &Outline) -> u64 {
    1 + outline.sections.iter().map(count).sum::<u64>()
}

impl Run for OutlineBlock {
    type Input = OutlineInput;
    type Output = OutlineOutput;
    async fn run(&self, input: OutlineInput, _ctx: &RunContext, out: &Emit<OutlineOutput>) -> Result<(), BlockError> {
        let title = match input.volume {
            Volume::Low => input.outline.heading.to_lowercase(),
            Volume::High => input.outline.heading.to_uppercase(),
        };
        out.emit(OutlineOutput::Summary(Summary { title, headings: count(&input.outline) })).await
    }
}

fn outline_cases() -> Vec<TestCase<OutlineBlock>> {
    let outline =
        Outline { heading: "Plan".into(), sections: vec![Outline { heading: "Why".into(), sections: vec![] }] };
    vec![
        TestCase::new("counts every heading", OutlineInput { outline, volume: Volume::High })
            .output(OutlineOutput::Summary(Summary { title: "PLAN".into(), headings: 2 })),
    ]
}

fn registry() -> Registry {
    Registry::builder().block::<OutlineBlock>().build().expect("valid")
}

#[test]
fn the_listing_serves_schemas_without_references_or_dollar_keywords() {
    let registry = registry();
    let block = registry.by_name("OutlineBlock").expect("registered");
    // The Rust-side schema keeps its definitions; the wire form has none.
    assert!(block.input_schema().get("$defs").is_some());
    assert!(block.output_schema().get("$defs").is_some());
    let listing = registry.listing_json();
    for keyword in ["\"$schema\"", "\"$defs\"", "\"$id\""] {
        assert!(!listing.contains(keyword), "{keyword} in {listing}");
    }
    let input = block.wire_input_schema();
    assert_eq!(input, &block.info()["inputSchema"]);
    assert_eq!(block.wire_output_schema(), &block.info()["outputSchema"]);
    assert_eq!(input["properties"]["volume"]["enum"], json!(["low", "high"]));
    assert_eq!(input["properties"]["volume"]["default"], "low");
    assert_eq!(input["properties"]["volume"]["title"], "Volume");
    let summary = &block.wire_output_schema()["properties"]["summary"];
    assert_eq!(summary["properties"]["headings"]["type"], "integer");
    assert_eq!(summary["title"], "Summary");
    jsonschema::draft202012::meta::validate(input).expect("valid draft 2020-12");
    jsonschema::draft202012::meta::validate(block.wire_output_schema()).expect("valid draft 2020-12");
}

#[test]
fn a_recursive_input_type_keeps_a_marked_reference_that_resolves() {
    let registry = registry();
    let input = registry.by_name("OutlineBlock").expect("registered").wire_input_schema().clone();
    assert_eq!(
        input["properties"]["outline"]["properties"]["sections"]["items"],
        json!({"$ref": "#/properties/outline", RECURSIVE_MARKER: true})
    );
    let listing: Value = serde_json::from_str(registry.listing_json()).expect("JSON");
    assert_eq!(listing[0]["inputSchema"], input);
}

#[tokio::test]
async fn inputs_are_validated_against_the_wire_schema_down_the_recursion() {
    let registry = registry();
    let block = registry.by_name("OutlineBlock").expect("registered");
    let deep_bad = json!({"outline": {"heading": "a", "sections": [{"heading": "b", "sections": [{"heading": 3, "sections": []}]}]}});
    let error = Executor::new().execute(block, deep_bad, RunOptions::for_user("u")).await.expect_err("invalid");
    assert!(error.to_string().contains("/outline/sections/0/sections/0/heading"), "{error}");
    let bad_volume = json!({"outline": {"heading": "a", "sections": []}, "volume": "medium"});
    assert!(Executor::new().execute(block, bad_volume, RunOptions::for_user("u")).await.is_err());
    let good = json!({"outline": {"heading": "a", "sections": [{"heading": "b", "sections": []}]}});
    let outputs = Executor::new().execute(block, good, RunOptions::for_user("u")).await.expect("valid").collect().await;
    assert_eq!(outputs.to_json(), json!({"summary": [{"title": "a", "headings": 2}]}));
}

fn dangling_schema() -> Value {
    json!({"type": "object", "properties": {"x": {"$ref": "#/$defs/Gone"}}, "additionalProperties": false})
}

/// The outline block's parts with an input schema whose reference points nowhere.
static DANGLING: BlockDescriptor = BlockDescriptor {
    id: "6e5d4c3b-2a19-4807-b6a5-948372615f4e",
    name: "DanglingBlock",
    input_schema: dangling_schema,
    ..*OutlineBlock::DESCRIPTOR
};

#[test]
fn a_schema_that_cannot_be_inlined_is_a_registry_error_naming_the_block() {
    let error = Registry::builder().descriptor(&DANGLING).build().expect_err("dangling reference");
    assert!(
        error.problems().iter().any(|problem| matches!(
            problem,
            RegistryProblem::InvalidSchema { block: "DanglingBlock", message }
                if message.contains("#/$defs/Gone") && message.contains("input schema")
        )),
        "{error}"
    );
}
