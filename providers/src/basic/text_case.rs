//! Changes the letter case of a text.

use block_core::prelude::*;

/// The letter case `TextCaseBlock` converts to.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextCase {
    /// EVERY LETTER UPPER CASE.
    Upper,
    /// every letter lower case.
    Lower,
    /// The First Letter Of Every Word Upper Case, The Rest Lower Case.
    Title,
}

/// Inputs of `TextCaseBlock`.
#[derive(BlockInput)]
pub struct TextCaseInput {
    /// The text to convert.
    pub text: String,
    /// The case to convert to.
    #[block_input(default = "lower", advanced = false)]
    pub case: TextCase,
}

/// Outputs of `TextCaseBlock`.
#[derive(BlockOutput)]
pub enum TextCaseOutput {
    /// The converted text.
    Output(String),
}

/// Converts a text to upper, lower or title case, following Unicode case rules (so
/// `ß` becomes `SS` in upper case).
#[block(id = "b9c7db99-e449-4c59-a3e4-1dcfe5d909ce", categories(Text), tests = text_case_cases)]
pub struct TextCaseBlock;

impl Run for TextCaseBlock {
    type Input = TextCaseInput;
    type Output = TextCaseOutput;

    async fn run(&self, input: TextCaseInput, _ctx: &RunContext, out: &Emit<TextCaseOutput>) -> Result<(), BlockError> {
        let text = match input.case {
            TextCase::Upper => input.text.to_uppercase(),
            TextCase::Lower => input.text.to_lowercase(),
            TextCase::Title => title_case(&input.text),
        };
        out.emit(TextCaseOutput::Output(text)).await
    }
}

/// Upper-cases the first letter of every word and lower-cases the rest; words are
/// separated by anything that is not alphanumeric, and the separators are kept. An
/// apostrophe inside a word (`it's`) does not start a new one.
fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_word = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if in_word {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            in_word = true;
        } else {
            out.push(c);
            in_word = in_word && c == '\'';
        }
    }
    out
}

fn text_case_cases() -> Vec<TestCase<TextCaseBlock>> {
    let convert =
        |name: &str, text: &str, case: TextCase| TestCase::new(name, TextCaseInput { text: text.into(), case });
    vec![
        convert("upper-cases", "Hello, World", TextCase::Upper).output(TextCaseOutput::Output("HELLO, WORLD".into())),
        convert("upper case follows Unicode rules", "straße", TextCase::Upper)
            .output(TextCaseOutput::Output("STRASSE".into())),
        convert("title-cases each word and keeps separators", "hELLO wide-world, it's 'me'", TextCase::Title)
            .output(TextCaseOutput::Output("Hello Wide-World, It's 'Me'".into())),
        TestCase::json("lower case is the default", json!({"text": "ÀBC"}))
            .output(TextCaseOutput::Output("àbc".into())),
        convert("an empty text stays empty", "", TextCase::Title).output(TextCaseOutput::Output(String::new())),
        TestCase::json("an unknown case is rejected", json!({"text": "x", "case": "camel"})).invalid_input(["/case"]),
    ]
}
