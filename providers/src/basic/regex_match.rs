//! Matches a text against a regular expression.

use block_core::prelude::*;
use regex::{Regex, RegexBuilder};
use serde_json::Map;

/// The most memory a compiled pattern may take, so a hostile pattern (such as
/// `\w{1000}{1000}`) is refused instead of exhausting memory.
const COMPILED_SIZE_LIMIT: usize = 1 << 20;
/// The most memory the lazy DFA may use while matching.
const DFA_SIZE_LIMIT: usize = 2 << 20;
/// The deepest nesting of groups and repetitions a pattern may have.
const NEST_LIMIT: u32 = 100;

/// Inputs of `RegexMatchBlock`.
#[derive(BlockInput)]
pub struct RegexMatchInput {
    /// The text to search.
    pub text: String,
    /// The regular expression, in the syntax of the Rust `regex` crate (no
    /// look-around or back-references; matching time stays linear in the text).
    #[block_input(placeholder = r"(?P<year>\d{4})-(?P<month>\d{2})", min_length = 1, max_length = 4096)]
    pub pattern: String,
    /// Whether upper and lower case letters differ.
    #[block_input(default = true, depends_on = [pattern])]
    pub case_sensitive: bool,
    /// Whether `.` also matches a line break.
    #[block_input(default = false, depends_on = [pattern])]
    pub dot_all: bool,
    /// Whether `^` and `$` match at the start and end of every line, not just of the text.
    #[block_input(default = false, depends_on = [pattern])]
    pub multi_line: bool,
    /// Emit every non-overlapping match instead of only the first.
    #[block_input(default = false, title = "Find All Matches")]
    pub find_all: bool,
}

/// Outputs of `RegexMatchBlock`.
#[derive(BlockOutput)]
pub enum RegexMatchOutput {
    /// The matched text; once per match.
    Positive(String),
    /// The capture groups of the match just emitted on `positive`, by name (or by
    /// number for unnamed groups); `null` for a group that took no part. Only for
    /// patterns with groups.
    Captures(Map<String, Value>),
    /// The input text, when the pattern does not match anywhere.
    Negative(String),
}

/// Searches a text with a regular expression. Each match is emitted on `positive`
/// (followed by its capture groups when the pattern has any); a text with no match
/// is emitted unchanged on `negative`. A malformed or oversized pattern fails the run.
#[block(id = "13fdb55d-a6bd-4e9c-96f8-1230952a37d9", categories(Text), tests = regex_match_cases)]
pub struct RegexMatchBlock;

impl Run for RegexMatchBlock {
    type Input = RegexMatchInput;
    type Output = RegexMatchOutput;

    async fn run(
        &self,
        input: RegexMatchInput,
        _ctx: &RunContext,
        out: &Emit<RegexMatchOutput>,
    ) -> Result<(), BlockError> {
        // Compiling a caller's pattern can take a while (the compiled-size limit
        // bounds it, not its time), and so can matching it over a long text:
        // both run off the runtime's worker, like any blocking work.
        let options = (input.pattern.clone(), input.case_sensitive, input.dot_all, input.multi_line);
        let text = input.text.clone();
        let find_all = input.find_all;
        let found = tokio::task::spawn_blocking(move || find(&options, &text, find_all))
            .await
            .map_err(|error| BlockError::new(format!("matching the pattern failed: {error}")))??;
        let matched = !found.is_empty();
        for (whole, groups) in found {
            out.emit(RegexMatchOutput::Positive(whole)).await?;
            if let Some(groups) = groups {
                out.emit(RegexMatchOutput::Captures(groups)).await?;
            }
        }
        if !matched {
            out.emit(RegexMatchOutput::Negative(input.text)).await?;
        }
        Ok(())
    }
}

/// Each match: the whole match, and its groups when the pattern has any.
type Found = Vec<(String, Option<Map<String, Value>>)>;

/// The matches of the pattern in `text`: the first one, or all of them.
fn find(options: &PatternOptions, text: &str, find_all: bool) -> Result<Found, BlockError> {
    let regex = compile(options)?;
    let has_groups = regex.captures_len() > 1;
    let mut found = Vec::new();
    for captures in regex.captures_iter(text) {
        let whole = captures.get(0).map_or("", |m| m.as_str()).to_owned();
        found.push((whole, has_groups.then(|| groups(&regex, &captures))));
        if !find_all {
            break;
        }
    }
    Ok(found)
}

/// The pattern, case sensitivity, `.` matching newlines, `^`/`$` per line.
type PatternOptions = (String, bool, bool, bool);

fn compile((pattern, case_sensitive, dot_all, multi_line): &PatternOptions) -> Result<Regex, BlockError> {
    RegexBuilder::new(pattern)
        .case_insensitive(!case_sensitive)
        .dot_matches_new_line(*dot_all)
        .multi_line(*multi_line)
        .size_limit(COMPILED_SIZE_LIMIT)
        .dfa_size_limit(DFA_SIZE_LIMIT)
        .nest_limit(NEST_LIMIT)
        .build()
        .map_err(|error| match error {
            regex::Error::CompiledTooBig(limit) => BlockError::new(format!(
                "the pattern is too complex: compiled, it would exceed {limit} bytes; simplify its repetitions"
            )),
            other => BlockError::new(format!("the pattern is not a valid regular expression: {other}")),
        })
}

fn groups(regex: &Regex, captures: &regex::Captures<'_>) -> Map<String, Value> {
    regex
        .capture_names()
        .enumerate()
        .skip(1)
        .map(|(index, name)| {
            let key = name.map_or_else(|| index.to_string(), str::to_owned);
            let value = captures.get(index).map_or(Value::Null, |m| Value::String(m.as_str().to_owned()));
            (key, value)
        })
        .collect()
}

fn regex_match_cases() -> Vec<TestCase<RegexMatchBlock>> {
    let input = |text: &str, pattern: &str| RegexMatchInput {
        text: text.into(),
        pattern: pattern.into(),
        case_sensitive: true,
        dot_all: false,
        multi_line: false,
        find_all: false,
    };
    let captures = |value: Value| match value {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    vec![
        TestCase::new("emits the first match", input("order 66 and 67", r"\d+"))
            .output(RegexMatchOutput::Positive("66".into())),
        TestCase::new(
            "emits every match when asked",
            RegexMatchInput { find_all: true, ..input("order 66 and 67", r"\d+") },
        )
        .outputs([RegexMatchOutput::Positive("66".into()), RegexMatchOutput::Positive("67".into())]),
        TestCase::new(
            "emits named and numbered groups after the match",
            input("born 1815-12", r"(?P<year>\d{4})-(\d{2})(x)?"),
        )
        .outputs([
            RegexMatchOutput::Positive("1815-12".into()),
            RegexMatchOutput::Captures(captures(json!({"year": "1815", "2": "12", "3": null}))),
        ]),
        TestCase::new("a text without a match goes to negative", input("no digits here", r"\d"))
            .output(RegexMatchOutput::Negative("no digits here".into())),
        TestCase::new("is case sensitive by default", input("HELLO", "hello"))
            .output(RegexMatchOutput::Negative("HELLO".into())),
        TestCase::new("can ignore case", RegexMatchInput { case_sensitive: false, ..input("HELLO", "hello") })
            .output(RegexMatchOutput::Positive("HELLO".into())),
        TestCase::new("dot_all lets the dot cross lines", RegexMatchInput { dot_all: true, ..input("a\nb", "a.b") })
            .output(RegexMatchOutput::Positive("a\nb".into())),
        TestCase::new("without dot_all the dot stops at a line break", input("a\nb", "a.b"))
            .output(RegexMatchOutput::Negative("a\nb".into())),
        TestCase::new(
            "multi_line anchors at each line",
            RegexMatchInput { multi_line: true, find_all: true, ..input("x1\nx2", "^x.$") },
        )
        .outputs([RegexMatchOutput::Positive("x1".into()), RegexMatchOutput::Positive("x2".into())]),
        TestCase::new("a malformed pattern fails the run", input("text", "(unclosed"))
            .error_containing("the pattern is not a valid regular expression"),
        TestCase::new("a pattern that compiles too big is refused", input("aaaa", r"\w{1000}{1000}"))
            .error_containing("the pattern is too complex"),
        TestCase::new("look-around is not supported", input("ab", "a(?=b)"))
            .error_containing("not a valid regular expression"),
        TestCase::json("the pattern may not be empty", json!({"text": "x", "pattern": ""})).invalid_input(["/pattern"]),
        TestCase::json("flags must be booleans", json!({"text": "x", "pattern": "x", "dot_all": 1}))
            .invalid_input(["/dot_all"]),
    ]
}
