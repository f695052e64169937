//! Replaces parts of a text, literally or by regular expression.

use block_core::prelude::*;

use super::bounded_regex;

/// Inputs of `TextReplaceBlock`.
#[derive(BlockInput)]
pub struct TextReplaceInput {
    /// The text to change.
    pub text: String,
    /// What to replace: a literal text, or a pattern when `regex` is on.
    #[block_input(min_length = 1, max_length = 4096)]
    pub old: String,
    /// What to put instead. With `regex` on, `$1` or `${name}` insert a group
    /// (`$$` is a literal dollar sign).
    #[block_input(default = "")]
    pub new: String,
    /// Read `old` as a regular expression (Rust `regex` syntax).
    #[block_input(default = false)]
    pub regex: bool,
}

/// Outputs of `TextReplaceBlock`.
#[derive(BlockOutput)]
pub enum TextReplaceOutput {
    /// The text with every occurrence replaced.
    Output(String),
    /// How many occurrences were replaced.
    Count(u64),
}

/// Replaces every occurrence of a text (or of a regular expression's matches) with
/// another text, and says how many were replaced.
#[block(id = "7d7bdbb0-df3a-461e-9aaa-dffa0b631eb7", categories(Text), tests = text_replace_cases)]
pub struct TextReplaceBlock;

impl Run for TextReplaceBlock {
    type Input = TextReplaceInput;
    type Output = TextReplaceOutput;

    async fn run(
        &self,
        input: TextReplaceInput,
        _ctx: &RunContext,
        out: &Emit<TextReplaceOutput>,
    ) -> Result<(), BlockError> {
        let (output, count) = if input.regex {
            let pattern = bounded_regex("old", &input.old, true, false)?;
            let count = pattern.find_iter(&input.text).count();
            (pattern.replace_all(&input.text, input.new.as_str()).into_owned(), count)
        } else {
            (input.text.replace(&input.old, &input.new), input.text.matches(&input.old).count())
        };
        out.emit(TextReplaceOutput::Output(output)).await?;
        out.emit(TextReplaceOutput::Count(count as u64)).await
    }
}

fn text_replace_cases() -> Vec<TestCase<TextReplaceBlock>> {
    let replaced = |text: &str, count: u64| [TextReplaceOutput::Output(text.into()), TextReplaceOutput::Count(count)];
    vec![
        TestCase::json("replaces a word", json!({"text": "Hello, World!", "old": "Hello", "new": "Hi"}))
            .outputs(replaced("Hi, World!", 1)),
        TestCase::json("replaces every occurrence", json!({"text": "a-b-c", "old": "-", "new": "+"}))
            .outputs(replaced("a+b+c", 2)),
        TestCase::json(
            "reads old literally unless regex is on",
            json!({"text": "1.5 and 105", "old": "1.5", "new": "x"}),
        )
        .outputs(replaced("x and 105", 1)),
        TestCase::json(
            "inserts groups of a regular expression",
            json!({"text": "2024-03-09", "old": r"(\d+)-(\d+)-(\d+)", "new": "$3/$2/$1", "regex": true}),
        )
        .outputs(replaced("09/03/2024", 1)),
        TestCase::json("deletes when new is empty", json!({"text": "a b  c", "old": " ", "regex": false}))
            .outputs(replaced("abc", 3)),
        TestCase::json("a text without the old part is unchanged", json!({"text": "abc", "old": "z", "new": "y"}))
            .outputs(replaced("abc", 0)),
        TestCase::json("a malformed pattern names the input", json!({"text": "a", "old": "(", "regex": true}))
            .error_containing("input `old` is not a valid regular expression"),
        TestCase::json("old may not be empty", json!({"text": "abc", "old": ""})).invalid_input(["/old"]),
    ]
}
