//! Tool schemas a strict client accepts: a block's wire schema (already inlined)
//! brought down to standard JSON Schema keywords, with no `$ref`, `$defs` or
//! `$schema`, no boolean sub-schemas, and an object at the root.
//!
//! Clients hand tool schemas to language-model APIs whose validators refuse what
//! they do not know: the form hints of the block schemas (`advanced`,
//! `placeholder`, `credentials_provider`, ...) and Rust's integer formats
//! (`uint64`) are dropped here; the server still validates every call against the
//! block's full schema.

use serde_json::{Map, Value};

/// Keywords whose value is one schema.
const SCHEMA_VALUED: &[&str] = &["items", "additionalProperties", "not", "contains", "propertyNames"];

/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];

/// Keywords whose value is a map of schemas.
const SCHEMA_MAPS: &[&str] = &["properties", "patternProperties"];

/// Keywords kept as they are.
const PLAIN: &[&str] = &[
    "type",
    "title",
    "description",
    "default",
    "enum",
    "const",
    "required",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "examples",
];

/// The `format`s of JSON Schema 2020-12; others (`uint64`, `double`) are dropped.
const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "uuid",
    "regex",
];

/// Keywords no tool schema may hold.
pub const FORBIDDEN: &[&str] = &["$ref", "$defs", "definitions", "$schema", "$id", "$anchor", "$dynamicRef"];

/// `schema` in the strict form; `drop_properties` are left out of the root's
/// `properties` and `required` (the credentials fields, filled in by the server).
pub fn strict(schema: &Value, drop_properties: &[&str]) -> Map<String, Value> {
    let mut root = match strict_value(schema) {
        Value::Object(object) => object,
        _ => Map::new(),
    };
    if let Some(Value::Object(properties)) = root.get_mut("properties") {
        properties.retain(|name, _| !drop_properties.contains(&name.as_str()));
    }
    if let Some(Value::Array(required)) = root.get_mut("required") {
        required.retain(|name| !name.as_str().is_some_and(|name| drop_properties.contains(&name)));
    }
    // A root must be an object schema, with its properties (even none) listed.
    root.insert("type".to_owned(), Value::String("object".to_owned()));
    root.entry("properties").or_insert_with(|| Value::Object(Map::new()));
    root
}

/// A sub-schema (an output pin's) in the strict form.
pub fn strict_sub(schema: &Value) -> Map<String, Value> {
    match strict_value(schema) {
        Value::Object(object) => object,
        _ => Map::new(),
    }
}

fn strict_value(schema: &Value) -> Value {
    match schema {
        // `true` accepts anything: the empty schema says the same to every client.
        Value::Bool(true) => Value::Object(Map::new()),
        Value::Bool(false) => Value::Object(Map::from_iter([("not".to_owned(), Value::Object(Map::new()))])),
        Value::Object(object) => Value::Object(strict_object(object)),
        _ => Value::Object(Map::new()),
    }
}

fn strict_object(object: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in object {
        let key = key.as_str();
        if SCHEMA_VALUED.contains(&key) {
            // `additionalProperties: false` stays a boolean: every client knows it.
            let kept =
                if key == "additionalProperties" && value.is_boolean() { value.clone() } else { strict_value(value) };
            out.insert(key.to_owned(), kept);
        } else if SCHEMA_LISTS.contains(&key) {
            let list = value.as_array().map(|items| items.iter().map(strict_value).collect()).unwrap_or_default();
            out.insert(key.to_owned(), Value::Array(list));
        } else if SCHEMA_MAPS.contains(&key) {
            let map = value
                .as_object()
                .map(|map| map.iter().map(|(name, schema)| (name.clone(), strict_value(schema))).collect())
                .unwrap_or_default();
            out.insert(key.to_owned(), Value::Object(map));
        } else if key == "format" {
            if value.as_str().is_some_and(|format| FORMATS.contains(&format)) {
                out.insert(key.to_owned(), value.clone());
            }
        } else if PLAIN.contains(&key) {
            out.insert(key.to_owned(), value.clone());
        }
    }
    out
}

/// The problems that would make a strict client refuse `schema` as a tool
/// schema: a forbidden keyword, a boolean sub-schema, a root that is not an
/// object. Each names its JSON pointer.
pub fn strictness_problems(schema: &Map<String, Value>) -> Vec<String> {
    let mut problems = Vec::new();
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        problems.push("/: the root is not `type: object`".to_owned());
    }
    walk(&Value::Object(schema.clone()), "", &mut problems);
    problems
}

fn walk(value: &Value, pointer: &str, problems: &mut Vec<String>) {
    let Value::Object(object) = value else {
        problems.push(format!("{pointer}: a sub-schema is not an object"));
        return;
    };
    for (key, child) in object {
        let here = format!("{pointer}/{key}");
        if FORBIDDEN.contains(&key.as_str()) {
            problems.push(format!("{here}: `{key}` is not allowed"));
        } else if key == "additionalProperties" && child.is_boolean() {
            // `false` (or `true`) here is understood by every client.
        } else if SCHEMA_VALUED.contains(&key.as_str()) {
            walk(child, &here, problems);
        } else if SCHEMA_LISTS.contains(&key.as_str()) {
            for (index, item) in child.as_array().into_iter().flatten().enumerate() {
                walk(item, &format!("{here}/{index}"), problems);
            }
        } else if SCHEMA_MAPS.contains(&key.as_str()) {
            for (name, item) in child.as_object().into_iter().flatten() {
                walk(item, &format!("{here}/{name}"), problems);
            }
        } else if !PLAIN.contains(&key.as_str()) && key != "format" {
            problems.push(format!("{here}: `{key}` is not a standard keyword"));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn drops_form_hints_rust_formats_and_the_named_properties() {
        let schema = json!({
            "title": "GreetInput", "type": "object", "additionalProperties": false,
            "properties": {
                "name": {"type": "string", "advanced": false, "placeholder": "Ada"},
                "count": {"type": "integer", "format": "uint64", "minimum": 0},
                "when": {"type": "string", "format": "date-time"},
                "items": {"type": "array", "items": true},
                "credentials": {"type": "object", "credentials_provider": ["example"]}
            },
            "required": ["name", "credentials"]
        });
        let strict = Value::Object(strict(&schema, &["credentials"]));
        assert_eq!(
            strict,
            json!({
                "title": "GreetInput", "type": "object", "additionalProperties": false,
                "properties": {
                    "name": {"type": "string"},
                    "count": {"type": "integer", "minimum": 0},
                    "when": {"type": "string", "format": "date-time"},
                    "items": {"type": "array", "items": {}}
                },
                "required": ["name"]
            })
        );
    }

    #[test]
    fn a_schema_without_properties_becomes_an_object_root() {
        let strict = strict(&json!({"$schema": "x", "$defs": {"a": {}}, "description": "d"}), &[]);
        assert_eq!(Value::Object(strict.clone()), json!({"description": "d", "type": "object", "properties": {}}));
        assert!(strictness_problems(&strict).is_empty());
    }

    #[test]
    fn names_each_construct_a_strict_client_refuses() {
        let schema = json!({"type": "array", "properties": {"a": {"$ref": "#/$defs/a"}, "b": true}, "x-hint": 1});
        let problems = strictness_problems(schema.as_object().expect("an object"));
        assert_eq!(
            problems,
            [
                "/: the root is not `type: object`",
                "/properties/a/$ref: `$ref` is not allowed",
                "/properties/b: a sub-schema is not an object",
                "/x-hint: `x-hint` is not a standard keyword",
            ]
        );
    }
}
