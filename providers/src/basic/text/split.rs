//! Splits a text into a list at every delimiter.

use block_core::prelude::*;

/// Inputs of `TextSplitBlock`.
#[derive(BlockInput)]
pub struct TextSplitInput {
    /// The text to split.
    pub text: String,
    /// Where to cut: every occurrence of this text. `\n` splits into lines.
    #[block_input(placeholder = ",", min_length = 1)]
    pub delimiter: String,
    /// Trim white space from both ends of every piece.
    #[block_input(default = true)]
    pub strip: bool,
    /// Leave out pieces that are empty (after trimming, when `strip` is on).
    #[block_input(default = false)]
    pub skip_empty: bool,
}

/// Outputs of `TextSplitBlock`.
#[derive(BlockOutput)]
pub enum TextSplitOutput {
    /// The pieces, in order. An empty text gives an empty list.
    Texts(Vec<String>),
}

/// Splits a text into a list of pieces at every occurrence of a delimiter,
/// optionally trimming each piece and leaving out empty ones.
#[block(id = "1216584d-aace-4c14-ad6b-15ac71e3aee1", categories(Text), tests = text_split_cases)]
pub struct TextSplitBlock;

impl Run for TextSplitBlock {
    type Input = TextSplitInput;
    type Output = TextSplitOutput;

    async fn run(
        &self,
        input: TextSplitInput,
        _ctx: &RunContext,
        out: &Emit<TextSplitOutput>,
    ) -> Result<(), BlockError> {
        if input.text.is_empty() {
            return out.emit(TextSplitOutput::Texts(Vec::new())).await;
        }
        let texts = input
            .text
            .split(input.delimiter.as_str())
            .map(|piece| if input.strip { piece.trim() } else { piece })
            .filter(|piece| !(input.skip_empty && piece.is_empty()))
            .map(str::to_owned)
            .collect();
        out.emit(TextSplitOutput::Texts(texts)).await
    }
}

fn text_split_cases() -> Vec<TestCase<TextSplitBlock>> {
    let texts = |items: &[&str]| TextSplitOutput::Texts(items.iter().map(|&s| s.to_owned()).collect());
    vec![
        TestCase::json("splits at commas and trims by default", json!({"text": "Hello, World!", "delimiter": ","}))
            .output(texts(&["Hello", "World!"])),
        TestCase::json(
            "keeps white space when strip is off",
            json!({"text": "Hello, World!", "delimiter": ",", "strip": false}),
        )
        .output(texts(&["Hello", " World!"])),
        TestCase::json("splits into lines", json!({"text": "a\nb\n\nc", "delimiter": "\n"}))
            .output(texts(&["a", "b", "", "c"])),
        TestCase::json(
            "leaves out empty pieces when asked",
            json!({"text": "a,, b ,", "delimiter": ",", "skip_empty": true}),
        )
        .output(texts(&["a", "b"])),
        TestCase::json("a delimiter of several characters", json!({"text": "x::y::z", "delimiter": "::"}))
            .output(texts(&["x", "y", "z"])),
        TestCase::json("an empty text is an empty list", json!({"text": "", "delimiter": ","})).output(texts(&[])),
        TestCase::json("the delimiter may not be empty", json!({"text": "abc", "delimiter": ""}))
            .invalid_input(["/delimiter"]),
    ]
}
