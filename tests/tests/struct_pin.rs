//! A struct carried by an output pin, in a crate whose only dependency for it is
//! `block-core`: this crate depends on neither `serde` nor `schemars`, so the file
//! compiles only if `block_core::serde` and `block_core::schemars` carry everything
//! the derives need.

use block_core::Registry;
use block_core::prelude::*;
use block_core::schemars::JsonSchema;
use block_core::serde::Serialize;

/// One word and where it starts.
#[derive(Serialize, JsonSchema, Debug, Clone, PartialEq)]
#[serde(crate = "block_core::serde")]
#[schemars(crate = "block_core::schemars")]
pub struct Word {
    /// The word.
    pub text: String,
    /// Its byte offset in the sentence.
    pub offset: u64,
}

/// Inputs of the word-splitting block.
#[derive(BlockInput)]
pub struct SplitInput {
    /// The sentence to split.
    pub sentence: String,
}

/// Outputs of the word-splitting block.
#[derive(BlockOutput)]
pub enum SplitOutput {
    /// One word, with its offset.
    Word(Word),
}

/// Splits a sentence into words.
#[block(id = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", categories(Text), tests = split_cases)]
pub struct SplitBlock;

impl Run for SplitBlock {
    type Input = SplitInput;
    type Output = SplitOutput;
    async fn run(&self, input: SplitInput, _ctx: &RunContext, out: &Emit<SplitOutput>) -> Result<(), BlockError> {
        let start = input.sentence.as_ptr() as usize;
        for text in input.sentence.split_whitespace() {
            let offset = (text.as_ptr() as usize - start) as u64;
            out.emit(SplitOutput::Word(Word { text: text.to_owned(), offset })).await?;
        }
        Ok(())
    }
}

fn split_cases() -> Vec<TestCase<SplitBlock>> {
    vec![
        TestCase::new("emits each word with its offset", SplitInput { sentence: "to be".into() }).outputs([
            SplitOutput::Word(Word { text: "to".into(), offset: 0 }),
            SplitOutput::Word(Word { text: "be".into(), offset: 3 }),
        ]),
        TestCase::json("sends each word as a JSON object", json!({"sentence": "hello  world"}))
            .output_where("word", "{text: hello, offset: 0}", |v| *v == json!({"text": "hello", "offset": 0}))
            .output_where("word", "{text: world, offset: 7}", |v| *v == json!({"text": "world", "offset": 7})),
    ]
}

#[test]
fn the_pin_schema_describes_the_struct_and_the_wire_form_inlines_it() {
    let registry = Registry::builder().block::<SplitBlock>().build().expect("valid");
    let block = registry.by_name("SplitBlock").expect("registered");
    let word = &block.wire_output_schema()["properties"]["word"];
    assert_eq!(word["type"], "object");
    assert_eq!(word["properties"]["text"]["type"], "string");
    assert_eq!(word["properties"]["offset"]["description"], "Its byte offset in the sentence.");
    assert_eq!(word["required"], json!(["text", "offset"]));
    assert_eq!(word["description"], "One word, with its offset.");
}
