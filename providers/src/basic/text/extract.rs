//! Extracts the parts of a text a regular expression matches.

use block_core::prelude::*;

use super::bounded_regex;

/// Inputs of `ExtractTextInformationBlock`.
#[derive(BlockInput)]
pub struct ExtractTextInformationInput {
    /// The text to search. Anything that is not a string is searched as its JSON text.
    pub text: Value,
    /// The regular expression (Rust `regex` syntax: no look-around or
    /// back-references, so matching stays linear in the text).
    #[block_input(placeholder = r"Hello, (\w+)", min_length = 1, max_length = 4096)]
    pub pattern: String,
    /// The group to extract: 0 is the whole match, 1 the first group, and so on.
    #[block_input(default = 0, min = 0)]
    pub group: u32,
    /// Whether upper and lower case letters differ.
    #[block_input(default = true)]
    pub case_sensitive: bool,
    /// Whether `.` also matches a line break.
    #[block_input(default = true)]
    pub dot_all: bool,
    /// Extract every match instead of only the first.
    #[block_input(default = false)]
    pub find_all: bool,
}

/// Outputs of `ExtractTextInformationBlock`.
#[derive(BlockOutput)]
pub enum ExtractTextInformationOutput {
    /// The extracted text; once per match.
    Positive(String),
    /// The input text, when nothing matched.
    Negative(Value),
    /// Every extracted text, in order.
    MatchedResults(Vec<String>),
    /// How many texts were extracted.
    MatchedCount(u64),
}

/// Extracts a group of the first match (or of every match) of a regular expression
/// from a text; a text with no match goes to `negative`. A group number the
/// pattern does not have fails the run.
#[block(id = "892098ee-e28b-4a58-853c-d679deeb0109", categories(Text), tests = extract_cases)]
pub struct ExtractTextInformationBlock;

impl Run for ExtractTextInformationBlock {
    type Input = ExtractTextInformationInput;
    type Output = ExtractTextInformationOutput;

    async fn run(
        &self,
        input: ExtractTextInformationInput,
        _ctx: &RunContext,
        out: &Emit<ExtractTextInformationOutput>,
    ) -> Result<(), BlockError> {
        let pattern = bounded_regex("pattern", &input.pattern, input.case_sensitive, input.dot_all)?;
        let group = input.group as usize;
        if group >= pattern.captures_len() {
            return Err(BlockError::new(format!(
                "input `group` is {group}, but the pattern has {} group(s); use 0 for the whole match",
                pattern.captures_len() - 1
            )));
        }
        let text = match &input.text {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let limit = if input.find_all { usize::MAX } else { 1 };
        let matches: Vec<String> = pattern
            .captures_iter(&text)
            .filter_map(|captures| captures.get(group).map(|m| m.as_str().to_owned()))
            .take(limit)
            .collect();
        for found in &matches {
            out.emit(ExtractTextInformationOutput::Positive(found.clone())).await?;
        }
        if matches.is_empty() {
            out.emit(ExtractTextInformationOutput::Negative(input.text)).await?;
        }
        let count = matches.len() as u64;
        out.emit(ExtractTextInformationOutput::MatchedResults(matches)).await?;
        out.emit(ExtractTextInformationOutput::MatchedCount(count)).await
    }
}

fn extract_cases() -> Vec<TestCase<ExtractTextInformationBlock>> {
    use ExtractTextInformationOutput as Out;
    let results = |items: &[&str]| Out::MatchedResults(items.iter().map(|&s| s.to_owned()).collect());
    vec![
        TestCase::json(
            "extracts the first group",
            json!({"text": "Hello, World!", "pattern": "Hello, (.+)", "group": 1}),
        )
        .outputs([Out::Positive("World!".into()), results(&["World!"]), Out::MatchedCount(1)]),
        TestCase::json("group 0 is the whole match", json!({"text": "Hello, World!", "pattern": "Hello, (.+)"}))
            .outputs([Out::Positive("Hello, World!".into()), results(&["Hello, World!"]), Out::MatchedCount(1)]),
        TestCase::json(
            "finds every match when asked",
            json!({"text": "Hello, World!! Hello, Earth!!", "pattern": r"Hello, (\S+)", "group": 1, "find_all": true}),
        )
        .outputs([
            Out::Positive("World!!".into()),
            Out::Positive("Earth!!".into()),
            results(&["World!!", "Earth!!"]),
            Out::MatchedCount(2),
        ]),
        TestCase::json(
            "can ignore case",
            json!({"text": "Hello, World!", "pattern": "hello,", "case_sensitive": false}),
        )
        .outputs([Out::Positive("Hello,".into()), results(&["Hello,"]), Out::MatchedCount(1)]),
        TestCase::json("a text without a match goes to negative", json!({"text": "abc", "pattern": r"\d+"})).outputs([
            Out::Negative(json!("abc")),
            results(&[]),
            Out::MatchedCount(0),
        ]),
        TestCase::json("searches other values as JSON text", json!({"text": {"id": 42}, "pattern": r"\d+"})).outputs([
            Out::Positive("42".into()),
            results(&["42"]),
            Out::MatchedCount(1),
        ]),
        TestCase::json("a group the pattern lacks is an error", json!({"text": "a", "pattern": "(a)", "group": 2}))
            .error_containing("input `group` is 2, but the pattern has 1 group(s)"),
        TestCase::json("a malformed pattern names the input", json!({"text": "a", "pattern": "[a"}))
            .error_containing("input `pattern` is not a valid regular expression"),
    ]
}
