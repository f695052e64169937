//! `.env`: a file in the working directory completing the process environment,
//! read by `dotenvy` at start (before any thread exists) so that clap's `env`
//! fallbacks and the providers' variables see it. Variables already set in the
//! process win over the file.
//!
//! A malformed file is refused with its line number only: `dotenvy`'s own error
//! quotes the line, and the line may hold a secret.

use std::io;
use std::path::{Path, PathBuf};

use super::CliError;

/// The file looked for in the working directory.
pub const DOTENV_FILE: &str = ".env";

/// Reads the process environment (completed by `.env` once [`load`] ran).
#[derive(Debug, Default, Clone, Copy)]
pub struct Environment;

impl Environment {
    /// The value of `name`, if it is set and text.
    pub fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    /// Where `.env` is looked for: the working directory.
    pub fn default_dir() -> PathBuf {
        PathBuf::from(".")
    }
}

/// Loads `dir/.env` into the process environment, if the file exists; variables
/// already set win. Call it before starting any thread.
pub fn load(dir: &Path) -> Result<Environment, CliError> {
    let path = dir.join(DOTENV_FILE);
    let entries = match dotenvy::from_path_iter(&path) {
        Ok(entries) => entries,
        Err(dotenvy::Error::Io(error)) if error.kind() == io::ErrorKind::NotFound => return Ok(Environment),
        Err(dotenvy::Error::Io(error)) => return Err(CliError::DotEnvUnreadable { path, error }),
        Err(_) => return Err(CliError::DotEnvSyntax { path, line: 0, reason: "cannot be read" }),
    };
    // Every line is checked before any variable is set, so a malformed file sets
    // nothing.
    for entry in entries {
        match entry {
            Ok(_) => {}
            Err(dotenvy::Error::LineParse(text, _)) => {
                let line = line_of(&path, &text);
                return Err(CliError::DotEnvSyntax { path, line, reason: "expected `KEY=VALUE`" });
            }
            Err(dotenvy::Error::Io(error)) => return Err(CliError::DotEnvUnreadable { path, error }),
            Err(_) => return Err(CliError::DotEnvSyntax { path, line: 0, reason: "cannot be read" }),
        }
    }
    dotenvy::from_path(&path).map_err(|_| CliError::DotEnvSyntax { path, line: 0, reason: "cannot be read" })?;
    Ok(Environment)
}

/// The 1-based number of the line of `path` whose text `dotenvy` refused (it
/// gives the text, which must not be printed, not the number).
fn line_of(path: &Path, refused: &str) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let refused = refused.trim();
    text.lines().position(|line| line.trim() == refused || line.contains(refused)).map_or(0, |index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("blocks-dotenv-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        std::fs::write(dir.join(DOTENV_FILE), text).expect("written");
        dir
    }

    #[test]
    fn errors_name_the_line_and_never_its_text() {
        let dir = dir_with("malformed", "A_OK=1\n# a comment\nsk-secret-value-without-equals\n");
        let error = load(&dir).expect_err("refused");
        let message = error.to_string();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(message.contains("line 3"), "{message}");
        assert!(!message.contains("sk-secret"), "{message}");
    }

    #[test]
    fn a_missing_file_is_no_error() {
        let dir = std::env::temp_dir().join(format!("blocks-dotenv-none-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let loaded = load(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(loaded.is_ok());
    }
}
