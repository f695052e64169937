//! Where `--input` comes from, and turning it into JSON with errors that point at the
//! offending character.

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::str::FromStr;

use block_core::Value;

use super::CliError;

/// The value of `--input`: inline JSON, `@path` to read a file, or `-` for stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSource {
    /// The JSON text itself.
    Inline(String),
    /// A file holding the JSON.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

impl FromStr for InputSource {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "-" => InputSource::Stdin,
            _ => match text.strip_prefix('@') {
                Some(path) => InputSource::File(PathBuf::from(path)),
                None => InputSource::Inline(text.to_owned()),
            },
        })
    }
}

impl fmt::Display for InputSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputSource::Inline(_) => f.write_str("--input"),
            InputSource::File(path) => write!(f, "the file {}", path.display()),
            InputSource::Stdin => f.write_str("stdin"),
        }
    }
}

impl InputSource {
    /// Reads the text and parses it as JSON.
    pub fn read_json(&self) -> Result<Value, CliError> {
        let unreadable = |error| CliError::InputUnreadable { source_name: self.to_string(), error };
        let text = match self {
            InputSource::Inline(text) => text.clone(),
            InputSource::File(path) => std::fs::read_to_string(path).map_err(unreadable)?,
            InputSource::Stdin => {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text).map_err(unreadable)?;
                text
            }
        };
        parse_json(&text, &self.to_string()).map_err(CliError::InputNotJson)
    }
}

/// Input text that is not JSON: where, why, and the line it happened on.
#[derive(Debug)]
pub struct NotJson {
    source_name: String,
    reason: String,
    excerpt: Option<(String, usize)>,
}

impl fmt::Display for NotJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the input from {} is not JSON: {}", self.source_name, self.reason)?;
        if let Some((line, caret)) = &self.excerpt {
            write!(f, "\n  {line}\n  {}^", " ".repeat(*caret))?;
        }
        Ok(())
    }
}

/// The most characters of the offending line shown on each side of the error.
const EXCERPT_RADIUS: usize = 40;

fn parse_json(text: &str, source_name: &str) -> Result<Value, NotJson> {
    if text.trim().is_empty() {
        return Err(NotJson {
            source_name: source_name.to_owned(),
            reason: "it is empty; give a JSON object such as '{}'".into(),
            excerpt: None,
        });
    }
    serde_json::from_str(text).map_err(|error| NotJson {
        source_name: source_name.to_owned(),
        reason: error.to_string(),
        excerpt: excerpt(text, error.line(), error.column()),
    })
}

/// The `line` (1-based) of `text` around byte `column` (1-based), and where in the
/// shown part the caret goes.
fn excerpt(text: &str, line: usize, column: usize) -> Option<(String, usize)> {
    let line_text = text.lines().nth(line.checked_sub(1)?)?;
    let mut byte = column.saturating_sub(1).min(line_text.len());
    while !line_text.is_char_boundary(byte) {
        byte -= 1;
    }
    let before: Vec<char> = line_text[..byte].chars().collect();
    let skip = before.len().saturating_sub(EXCERPT_RADIUS);
    let shown_before: String = before[skip..].iter().collect();
    let shown_after: String = line_text[byte..].chars().take(EXCERPT_RADIUS).collect();
    let caret = shown_before.chars().count() + if skip > 0 { 3 } else { 0 };
    let prefix = if skip > 0 { "..." } else { "" };
    Some((format!("{prefix}{shown_before}{shown_after}"), caret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_at_as_a_file_and_dash_as_stdin() {
        assert_eq!("@in.json".parse(), Ok(InputSource::File("in.json".into())));
        assert_eq!("-".parse(), Ok(InputSource::Stdin));
        assert_eq!("{}".parse(), Ok(InputSource::Inline("{}".into())));
    }

    #[test]
    fn points_at_the_offending_character() {
        let message = parse_json("{\"a\": 1,\n \"b\": nope}", "--input").err().map(|e| e.to_string());
        let message = message.unwrap_or_default();
        assert!(message.contains("line 2 column 8"), "{message}");
        assert!(message.ends_with("\n   \"b\": nope}\n         ^"), "{message:?}");
    }

    #[test]
    fn shortens_long_lines_around_the_error() {
        let text = format!("[{}x]", "1, ".repeat(100));
        let message = parse_json(&text, "stdin").err().map(|e| e.to_string()).unwrap_or_default();
        let caret_line = message.lines().last().unwrap_or_default();
        let shown_line = message.lines().rev().nth(1).unwrap_or_default();
        assert!(shown_line.starts_with("  ..."), "{message}");
        assert_eq!(shown_line.chars().nth(caret_line.len() - 1), Some('x'), "{message}");
    }

    #[test]
    fn says_when_the_input_is_empty() {
        let message = parse_json("  \n", "stdin").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("from stdin is not JSON: it is empty"), "{message}");
    }
}
