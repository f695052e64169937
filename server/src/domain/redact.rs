//! Erasing secrets from text before it is printed or answered: the values of
//! credentials a caller sent or a command holds, in every form error messages
//! quote them in.

use block_core::credentials::StoredCredentials;
use block_core::registry::InputProblem;
use serde_json::Value;

/// Meta fields, and secret-json fields that are not secrets.
const PUBLIC_FIELDS: &[&str] =
    &["id", "provider", "type", "title", "username", "host", "scopes", "expires_at", "access_token_expires_at"];

/// The secrets a request or a command holds, erased from everything it answers or
/// prints.
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
    use serde_json::json;

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
