//! The process environment, completed by a `.env` file in the working directory.
//!
//! Variables already set in the process win over the file, as with every `.env`
//! loader. The file is never written into the process environment (changing it is
//! `unsafe` in a multi-threaded program); lookups go through [`Environment::var`].
//!
//! Accepted lines: `KEY=VALUE`, `export KEY=VALUE`, blank lines and `# comments`.
//! Values may be wrapped in single quotes (taken literally) or double quotes (`\n`,
//! `\"` and `\\` escapes); an unquoted value ends at a ` #` comment. Errors name the
//! line number, never its text, since the text may be a secret.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use super::CliError;

/// The file looked for in the working directory.
pub const DOTENV_FILE: &str = ".env";

/// Variables from the process, then from `.env`.
#[derive(Debug, Default, Clone)]
pub struct Environment {
    file: HashMap<String, String>,
}

impl Environment {
    /// The process environment alone.
    pub fn process() -> Self {
        Environment::default()
    }

    /// The process environment completed by `dir/.env`, if that file exists.
    pub fn load(dir: &Path) -> Result<Self, CliError> {
        let path = dir.join(DOTENV_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Environment::process()),
            Err(error) => return Err(CliError::DotEnvUnreadable { path, error }),
        };
        Self::from_dotenv(&text).map_err(|(line, reason)| CliError::DotEnvSyntax { path, line, reason })
    }

    /// The process environment completed by the `.env` text given.
    pub fn from_dotenv(text: &str) -> Result<Self, (usize, &'static str)> {
        Ok(Environment { file: parse(text)?.into_iter().collect() })
    }

    /// The value of `name`: the process's if set (even empty), else the file's.
    pub fn var(&self, name: &str) -> Option<String> {
        match std::env::var(name) {
            Ok(value) => Some(value),
            Err(std::env::VarError::NotUnicode(_)) => None,
            Err(std::env::VarError::NotPresent) => self.file.get(name).cloned(),
        }
    }

    /// Where `.env` is looked for: the working directory.
    pub fn default_dir() -> PathBuf {
        PathBuf::from(".")
    }
}

/// `(key, value)` pairs of a `.env` text, later lines winning; on error, the 1-based
/// line number and what is wrong with it.
fn parse(text: &str) -> Result<Vec<(String, String)>, (usize, &'static str)> {
    let mut pairs = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let number = index + 1;
        let (key, value) = line.split_once('=').ok_or((number, "expected `KEY=VALUE`"))?;
        let key = key.trim();
        if !is_variable_name(key) {
            return Err((number, "the name before `=` must be letters, digits and `_`, not starting with a digit"));
        }
        pairs.push((key.to_owned(), value_of(value.trim()).map_err(|reason| (number, reason))?));
    }
    Ok(pairs)
}

fn is_variable_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn value_of(value: &str) -> Result<String, &'static str> {
    if let Some(rest) = value.strip_prefix('\'') {
        let (inner, after) = rest.split_once('\'').ok_or("a single-quoted value has no closing quote")?;
        return only_comment_after(after).map(|()| inner.to_owned());
    }
    if let Some(rest) = value.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => return only_comment_after(&rest[at + 1..]).map(|()| out),
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, escaped)) => out.push(escaped),
                    None => break,
                },
                c => out.push(c),
            }
        }
        return Err("a double-quoted value has no closing quote");
    }
    let end = value.find(" #").unwrap_or(value.len());
    Ok(value[..end].trim_end().to_owned())
}

fn only_comment_after(after: &str) -> Result<(), &'static str> {
    let after = after.trim();
    if after.is_empty() || after.starts_with('#') { Ok(()) } else { Err("unexpected text after the closing quote") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text).unwrap_or_else(|(line, reason)| panic!("line {line}: {reason}"))
    }

    fn pair(key: &str, value: &str) -> (String, String) {
        (key.to_owned(), value.to_owned())
    }

    #[test]
    fn reads_plain_exported_and_commented_lines() {
        let text = "# settings\n\nA=1\nexport B = two words  # note\n  C=\nD=x#y\n";
        assert_eq!(pairs(text), [pair("A", "1"), pair("B", "two words"), pair("C", ""), pair("D", "x#y")]);
    }

    #[test]
    fn strips_quotes_and_unescapes_double_quoted_values() {
        let text = "B='a # b' # c\nC=\"x\\\"y\\\\z\\n\"\nD=\"=\"";
        assert_eq!(pairs(text), [pair("B", "a # b"), pair("C", "x\"y\\z\n"), pair("D", "=")]);
        assert_eq!(parse("A='it''s'"), Err((1, "unexpected text after the closing quote")));
    }

    #[test]
    fn errors_name_the_line_and_never_its_text() {
        assert_eq!(parse("A=1\nsecret-value\n"), Err((2, "expected `KEY=VALUE`")));
        assert_eq!(parse("1A=x").map_err(|(line, _)| line), Err(1));
        assert_eq!(parse("A=\"open").map_err(|(line, _)| line), Err(1));
    }

    #[test]
    fn the_process_environment_wins_over_the_file() {
        let env = Environment::from_dotenv("PATH=/from/the/file\nBLOCK_SERVER_DOTENV_ONLY=yes").unwrap_or_default();
        if std::env::var_os("PATH").is_some() {
            assert_ne!(env.var("PATH").as_deref(), Some("/from/the/file"));
        }
        assert_eq!(env.var("BLOCK_SERVER_DOTENV_ONLY").as_deref(), Some("yes"));
    }
}
