//! Text blocks beyond templates and case: splitting, joining, replacing and
//! extracting with a regular expression.

mod combine;
mod extract;
mod replace;
mod split;

pub use combine::{CombineTextsBlock, CombineTextsInput, CombineTextsOutput};
pub use extract::{ExtractTextInformationBlock, ExtractTextInformationInput, ExtractTextInformationOutput};
pub use replace::{TextReplaceBlock, TextReplaceInput, TextReplaceOutput};
pub use split::{TextSplitBlock, TextSplitInput, TextSplitOutput};

use regex::{Regex, RegexBuilder};

use block_core::BlockError;

/// The most memory a compiled pattern may take, so a hostile pattern is refused
/// instead of exhausting memory (the same bounds as `RegexMatchBlock`).
const COMPILED_SIZE_LIMIT: usize = 1 << 20;
/// The most memory the lazy DFA may use while matching.
const DFA_SIZE_LIMIT: usize = 2 << 20;
/// The deepest nesting of groups and repetitions a pattern may have.
const NEST_LIMIT: u32 = 100;

/// Compiles a user's pattern with the memory bounds above; the error names the
/// input field it came from.
fn bounded_regex(field: &str, pattern: &str, case_sensitive: bool, dot_all: bool) -> Result<Regex, BlockError> {
    RegexBuilder::new(pattern)
        .case_insensitive(!case_sensitive)
        .dot_matches_new_line(dot_all)
        .size_limit(COMPILED_SIZE_LIMIT)
        .dfa_size_limit(DFA_SIZE_LIMIT)
        .nest_limit(NEST_LIMIT)
        .build()
        .map_err(|error| match error {
            regex::Error::CompiledTooBig(limit) => BlockError::new(format!(
                "input `{field}`: the pattern is too complex: compiled, it would exceed {limit} bytes"
            )),
            other => BlockError::new(format!("input `{field}` is not a valid regular expression: {other}")),
        })
}
