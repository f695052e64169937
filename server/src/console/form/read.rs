//! The way back from a generated form: the submitted fields turned into the
//! JSON input, every field that cannot be read named with its problem; and
//! the executor's problems (JSON pointers) sorted by field.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Editor, FormOf, Problems, editor, is_credentials, type_of};
use crate::services::credentials::ListedCredentials;

/// The block's input from the submitted `pairs` (the last value of a field
/// wins, so that a checkbox overrides its hidden `false`), or every field's
/// problem.
pub fn read(form: FormOf<'_>, credentials: &[ListedCredentials], pairs: &[(String, String)]) -> (Value, Problems) {
    let mut sent: BTreeMap<&str, &str> = BTreeMap::new();
    for (key, value) in pairs {
        if let Some(name) = key.strip_prefix(form.names) {
            sent.insert(name, value);
        }
    }
    let mut input = Map::new();
    let mut problems = Problems::new();
    for field in form.fields() {
        if editor(field.schema) == Editor::Flags {
            input.insert(field.name.to_owned(), flags(field.schema, field.name, &sent));
            continue;
        }
        let text = sent.get(field.name).copied().unwrap_or("");
        let mut problem = |message: String| problems.entry(field.name.to_owned()).or_default().push(message);
        if text.trim().is_empty() {
            if field.required && editor(field.schema) != Editor::Checkbox {
                problem(if is_credentials(field.schema) {
                    "Choose credentials.".to_owned()
                } else {
                    "Enter a value.".to_owned()
                });
            }
            continue;
        }
        match parse(field.schema, text, credentials) {
            Ok(value) => {
                input.insert(field.name.to_owned(), value);
            }
            Err(message) => problem(message),
        }
    }
    (Value::Object(input), problems)
}

/// An object of booleans from its checkboxes (`field.key`), the last value of
/// each winning; a box not sent is off.
fn flags(schema: &Value, field: &str, sent: &BTreeMap<&str, &str>) -> Value {
    let object: Map<String, Value> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, _)| {
            let on = sent.get(format!("{field}.{key}").as_str()).is_some_and(|value| *value == "true");
            (key.clone(), Value::Bool(on))
        })
        .collect();
    Value::Object(object)
}

fn parse(schema: &Value, text: &str, credentials: &[ListedCredentials]) -> Result<Value, String> {
    match editor(schema) {
        Editor::Credentials => credentials
            .iter()
            .find(|listed| listed.meta.id == text)
            .map(|listed| serde_json::to_value(&listed.meta).unwrap_or(Value::Null))
            .ok_or_else(|| "Those credentials no longer exist; choose others.".to_owned()),
        Editor::Checkbox => Ok(Value::Bool(text == "true")),
        Editor::Integer => text.trim().parse::<i64>().map(Value::from).map_err(|_| "Enter a whole number.".to_owned()),
        Editor::Number => number(text.trim()).ok_or_else(|| "Enter a number.".to_owned()),
        // The option chosen, as the JSON value the schema lists (an enum may
        // hold numbers); a value it does not list is left for the block's check.
        Editor::Select => Ok(schema["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|option| option.as_str().map_or_else(|| option.to_string(), str::to_owned) == text)
            .cloned()
            .unwrap_or_else(|| Value::String(text.to_owned()))),
        Editor::Text => Ok(Value::String(text.to_owned())),
        Editor::Lines => {
            let numeric = matches!(type_of(&schema["items"]), "number" | "integer");
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(|line| match numeric {
                    true => number(line).ok_or_else(|| format!("`{line}` is not a number.")),
                    false => Ok(Value::String(line.to_owned())),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        Editor::Json | Editor::Flags => {
            serde_json::from_str(text).map_err(|error| format!("This is not valid JSON: {error}."))
        }
    }
}

fn number(text: &str) -> Option<Value> {
    if let Ok(whole) = text.parse::<i64>() {
        return Some(Value::from(whole));
    }
    text.parse::<f64>().ok().filter(|value| value.is_finite()).map(Value::from)
}

/// Problems the executor found (JSON pointers), by the field they belong to.
pub fn by_field(form: FormOf<'_>, details: &Value) -> Problems {
    let names: Vec<&str> = form.fields().iter().map(|field| field.name).collect();
    let mut problems = Problems::new();
    for problem in details["problems"].as_array().into_iter().flatten() {
        let path = problem["path"].as_str().unwrap_or_default();
        let message = problem["message"].as_str().unwrap_or("is not valid").to_owned();
        let first = path.trim_start_matches('/').split('/').next().unwrap_or_default();
        // A missing required field is reported on the whole input, naming it.
        let named = names.iter().find(|name| message.starts_with(&format!("\"{name}\" is a required")));
        let field = if names.contains(&first) { first } else { named.copied().unwrap_or("") };
        problems.entry(field.to_owned()).or_default().push(message);
    }
    problems
}
