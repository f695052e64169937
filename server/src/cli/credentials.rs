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
use block_core::{RegisteredBlock, Value, json};

use super::CliError;
use crate::domain::Redactor;

/// The user the command line runs blocks for; `--credentials` are stored as theirs.
pub const CLI_USER: &str = "cli";

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
    values_seen.add_json(&value);
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
