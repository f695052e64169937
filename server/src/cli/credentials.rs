//! `blocks run --credentials <file.json>`: credentials given on the command line, and
//! keeping every secret the command holds out of what it prints.
//!
//! The file maps each credentials field of the block to full credentials, meta and
//! secret fields together:
//!
//! ```text
//! {"credentials": {"id": "my-key", "provider": "example", "type": "api_key",
//!                  "title": "My key", "api_key": "..."}}
//! ```
//!
//! The credentials go into the run's store for the command line's user, and their
//! meta object (`{id, provider, type, title}`, no secret) is put into the input under
//! the field's name unless `--input` names credentials there already.

use std::path::Path;

use block_core::credentials::StoredCredentials;
use block_core::registry::InputProblem;
use block_core::{RegisteredBlock, Value, json};

use super::CliError;

/// The user the command line runs blocks for; `--credentials` are stored as theirs.
pub const CLI_USER: &str = "cli";

/// Meta fields, and secret-json fields that are not secrets.
const PUBLIC_FIELDS: &[&str] =
    &["id", "provider", "type", "title", "username", "host", "scopes", "expires_at", "access_token_expires_at"];

/// The credentials of a `--credentials` file, by field name.
#[derive(Debug)]
pub struct CredentialsFile {
    entries: Vec<(String, StoredCredentials)>,
}

impl CredentialsFile {
    /// Reads `path` and checks each entry against `block`'s credentials fields.
    /// Errors name the file and the field, never a secret value.
    pub fn read(path: &Path, block: &RegisteredBlock) -> Result<Self, CliError> {
        let problem = |problem: String| CliError::CredentialsFile { path: path.to_owned(), problem };
        let text = std::fs::read_to_string(path).map_err(|error| problem(format!("could not be read: {error}")))?;
        // Syntax errors give a position only, never the text around it.
        let value: Value = serde_json::from_str(&text).map_err(|error| problem(format!("is not JSON: {error}")))?;
        let Value::Object(fields) = value else {
            return Err(problem(format!(
                "must be a JSON object mapping each credentials field of {} to its credentials, \
                 e.g. {{\"credentials\": {{\"id\": ..., \"provider\": ..., \"type\": \"api_key\", \"api_key\": ...}}}}",
                block.name()
            )));
        };
        let mut entries = Vec::with_capacity(fields.len());
        for (name, value) in fields {
            let stored = read_entry(block, &name, value).map_err(|why| problem(format!("field `{name}`: {why}")))?;
            entries.push((name, stored));
        }
        Ok(CredentialsFile { entries })
    }

    /// The credentials, to be stored for [`CLI_USER`].
    pub fn credentials(&self) -> impl Iterator<Item = &StoredCredentials> {
        self.entries.iter().map(|(_, stored)| stored)
    }

    /// Names each file entry's credentials in `input` (by their meta object) where
    /// the input names none for that field.
    pub fn inject_into(&self, input: &mut Value) {
        let Value::Object(input) = input else { return };
        for (name, stored) in &self.entries {
            if input.get(name).is_none_or(Value::is_null) {
                let meta = stored.meta();
                let meta =
                    json!({"id": meta.id, "provider": meta.provider, "type": meta.kind.as_str(), "title": meta.title});
                input.insert(name.clone(), meta);
            }
        }
    }
}

fn read_entry(block: &RegisteredBlock, name: &str, value: Value) -> Result<StoredCredentials, String> {
    let fields = block.credential_fields();
    let Some(field) = fields.iter().find(|field| field.name == name) else {
        let known: Vec<String> = fields.iter().map(|field| format!("`{}`", field.name)).collect();
        return Err(if known.is_empty() {
            format!("{} takes no credentials", block.name())
        } else {
            format!("{} has no such credentials field; its credentials fields are {}", block.name(), known.join(", "))
        });
    };
    if !value.is_object() {
        return Err("expected an object with `id`, `provider`, `type`, `title` and the secret fields".into());
    }
    let mut values_seen = Redactor::default();
    values_seen.add_secret_leaves(&value);
    let stored = StoredCredentials::from_secret_json(value).map_err(|error| values_seen.apply(&error.to_string()))?;
    let meta = stored.meta();
    if meta.provider != field.provider {
        return Err(format!(
            "these are `{}` credentials; the field takes `{}` credentials",
            meta.provider, field.provider
        ));
    }
    if !field.types.contains(&meta.kind) {
        let accepted: Vec<&str> = field.types.iter().map(|kind| kind.as_str()).collect();
        return Err(format!("these are {} credentials; the field accepts {}", meta.kind, accepted.join(" or ")));
    }
    Ok(stored)
}

/// The secrets a command holds, erased from everything it prints.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    /// Each secret in one of its printed forms, and what replaces it there (quotes
    /// kept, so redacted JSON stays JSON).
    secrets: Vec<(String, String)>,
}

/// What a secret is replaced with.
const REDACTED: &str = "[redacted]";

impl Redactor {
    /// Remembers the secrets of `stored`.
    pub fn add(&mut self, stored: &StoredCredentials) {
        self.add_secret_leaves(&stored.expose_secret_json());
    }

    /// Remembers the secrets of credentials JSON as a caller sent them (every value
    /// under a field that is not public, e.g. `api_key`, `password`, `headers`).
    pub fn add_json(&mut self, value: &Value) {
        self.add_secret_leaves(value);
    }

    /// Remembers every string (and number) under the non-public fields of `value`, in
    /// the forms error messages quote them in.
    fn add_secret_leaves(&mut self, value: &Value) {
        let Value::Object(fields) = value else { return };
        for (name, value) in fields {
            if !PUBLIC_FIELDS.contains(&name.as_str()) {
                self.add_leaves(value);
            }
        }
    }

    fn add_leaves(&mut self, value: &Value) {
        match value {
            Value::String(text) if !text.is_empty() => {
                // As Rust's `Debug` quotes it (serde's messages), as printed JSON
                // escapes it, and as is.
                self.secrets.push((format!("{text:?}"), format!("\"{REDACTED}\"")));
                let escaped = Value::String(text.clone()).to_string();
                self.secrets.push((escaped[1..escaped.len() - 1].to_owned(), REDACTED.to_owned()));
                self.secrets.push((text.clone(), REDACTED.to_owned()));
            }
            Value::Number(number) => self.secrets.push((format!("`{number}`"), format!("`{REDACTED}`"))),
            Value::Array(items) => items.iter().for_each(|item| self.add_leaves(item)),
            Value::Object(fields) => fields.values().for_each(|item| self.add_leaves(item)),
            _ => {}
        }
    }

    /// `text` with every secret replaced, longest first (so a secret containing
    /// another is erased whole).
    pub fn apply(&self, text: &str) -> String {
        let mut secrets: Vec<&(String, String)> = self.secrets.iter().collect();
        secrets.sort_by_key(|(secret, _)| std::cmp::Reverse(secret.len()));
        secrets.into_iter().fold(text.to_owned(), |text, (secret, replacement)| text.replace(secret, replacement))
    }

    /// `problems` with every secret erased from their messages.
    pub fn apply_to_problems(&self, problems: Vec<InputProblem>) -> Vec<InputProblem> {
        problems.into_iter().map(|problem| InputProblem::new(problem.path, self.apply(&problem.message))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secrets_longest_first_and_in_their_quoted_forms() {
        let mut redactor = Redactor::default();
        redactor.add_secret_leaves(&json!({"id": "id-1", "api_key": "sk-abc", "headers": {"X": "sk-abc-long"}}));
        assert_eq!(redactor.apply("sk-abc-long and sk-abc, id-1"), "[redacted] and [redacted], id-1");
        redactor.add_secret_leaves(&json!({"api_key": 12345}));
        assert_eq!(redactor.apply("invalid type: integer `12345`"), "invalid type: integer `[redacted]`");
        redactor.add_secret_leaves(&json!({"password": "a\"b"}));
        assert_eq!(redactor.apply(&json!({"out": "a\"b"}).to_string()), r#"{"out":"[redacted]"}"#);
    }
}
