//! Whether a value described by one JSON schema can ever fit another: the check
//! graph validation applies to every link.
//!
//! The check is on JSON types only, and lenient on purpose: a link is refused
//! when **no** value the source can emit is of a type the sink accepts (a `string`
//! pin into a `number` field), not when only some values might not fit (a
//! `number` pin into an `integer` field, an `any` pin into anything). Each
//! execution's input is still validated against the full schema before its block
//! runs.
//!
//! A schema's types are read from `type` (a name or a list), `enum` and `const`
//! (the types of their values), `anyOf` / `oneOf` (the union of their branches) and
//! `allOf` (the intersection). A schema with none of these (`{}`, `true`, a
//! recursive `$ref`) accepts any type; `false` accepts none. `integer` is a part of
//! `number`.

use serde_json::Value;

/// A set of JSON types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonTypes(u8);

const NULL: u8 = 1;
const BOOLEAN: u8 = 2;
const INTEGER: u8 = 4;
/// Numbers that are not integers.
const FRACTION: u8 = 8;
const STRING: u8 = 16;
const ARRAY: u8 = 32;
const OBJECT: u8 = 64;
const ALL: u8 = 127;

impl JsonTypes {
    /// Every type.
    pub const ANY: JsonTypes = JsonTypes(ALL);
    /// Lists only.
    pub const ARRAY: JsonTypes = JsonTypes(ARRAY);
    /// Objects only.
    pub const OBJECT: JsonTypes = JsonTypes(OBJECT);

    /// The types `schema` accepts.
    pub fn of_schema(schema: &Value) -> JsonTypes {
        let Value::Object(schema) = schema else {
            return if schema == &Value::Bool(false) { JsonTypes(0) } else { JsonTypes::ANY };
        };
        let mut types = JsonTypes::ANY;
        if let Some(named) = schema.get("type") {
            let names: Vec<&Value> = match named {
                Value::Array(names) => names.iter().collect(),
                name => vec![name],
            };
            types = JsonTypes(names.iter().filter_map(|name| name.as_str()).map(bits_of_name).fold(0, |a, b| a | b));
        }
        if let Some(Value::Array(values)) = schema.get("enum") {
            types = types.and(JsonTypes(values.iter().map(bits_of_value).fold(0, |a, b| a | b)));
        }
        if let Some(value) = schema.get("const") {
            types = types.and(JsonTypes(bits_of_value(value)));
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = schema.get(key) {
                let union = branches.iter().map(JsonTypes::of_schema).fold(JsonTypes(0), JsonTypes::or);
                types = types.and(union);
            }
        }
        if let Some(Value::Array(parts)) = schema.get("allOf") {
            types = parts.iter().map(JsonTypes::of_schema).fold(types, JsonTypes::and);
        }
        types
    }

    /// Whether some value could be of both sets' types.
    pub fn overlaps(self, other: JsonTypes) -> bool {
        self.0 & other.0 != 0
    }

    fn and(self, other: JsonTypes) -> JsonTypes {
        JsonTypes(self.0 & other.0)
    }

    fn or(self, other: JsonTypes) -> JsonTypes {
        JsonTypes(self.0 | other.0)
    }
}

impl std::fmt::Display for JsonTypes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 == ALL {
            return f.write_str("any");
        }
        if self.0 == 0 {
            return f.write_str("nothing");
        }
        let mut names = Vec::new();
        let number = INTEGER | FRACTION;
        for (bits, name) in [
            (NULL, "null"),
            (BOOLEAN, "boolean"),
            (number, "number"),
            (INTEGER, "integer"),
            (STRING, "string"),
            (ARRAY, "array"),
            (OBJECT, "object"),
        ] {
            let taken = names.contains(&"number");
            if self.0 & bits == bits && !(bits == INTEGER && taken) {
                names.push(name);
            }
        }
        f.write_str(&names.join(" or "))
    }
}

fn bits_of_name(name: &str) -> u8 {
    match name {
        "null" => NULL,
        "boolean" => BOOLEAN,
        "integer" => INTEGER,
        "number" => INTEGER | FRACTION,
        "string" => STRING,
        "array" => ARRAY,
        "object" => OBJECT,
        _ => 0,
    }
}

fn bits_of_value(value: &Value) -> u8 {
    match value {
        Value::Null => NULL,
        Value::Bool(_) => BOOLEAN,
        Value::Number(number) if number.is_i64() || number.is_u64() => INTEGER,
        Value::Number(number) if number.as_f64().is_some_and(|n| n.fract() == 0.0) => INTEGER | FRACTION,
        Value::Number(_) => FRACTION,
        Value::String(_) => STRING,
        Value::Array(_) => ARRAY,
        Value::Object(_) => OBJECT,
    }
}

/// The types of one value.
pub(crate) fn types_of_value(value: &Value) -> JsonTypes {
    JsonTypes(bits_of_value(value))
}

/// The schema of the part of a value of schema `schema` that `step` addresses:
/// `items` (or `prefixItems`) for a list index, the named property (or
/// `additionalProperties`) for a key. `None` when the schema does not say, which
/// the check reads as any type.
pub(crate) fn step_schema<'s>(schema: &'s Value, step: &super::PinStep) -> Option<&'s Value> {
    use super::PinStep;
    let branches = schema.get("anyOf").and_then(Value::as_array);
    let own = match step {
        PinStep::Index(index) => schema
            .get("prefixItems")
            .and_then(|items| items.get(*index))
            .or_else(|| schema.get("items").filter(|items| items.is_object() || items.is_boolean())),
        PinStep::Key(key) | PinStep::Attribute(key) => schema
            .get("properties")
            .and_then(|properties| properties.get(key))
            .or_else(|| schema.get("additionalProperties").filter(|extra| extra.is_object())),
    };
    // `Option<T>` renders as `anyOf: [T, null]`: look into the non-null branch.
    own.or_else(|| branches?.iter().find_map(|branch| step_schema(branch, step)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fits(source: Value, sink: Value) -> bool {
        JsonTypes::of_schema(&source).overlaps(JsonTypes::of_schema(&sink))
    }

    #[test]
    fn types_that_share_no_value_do_not_fit() {
        assert!(!fits(json!({"type": "string"}), json!({"type": "number"})));
        assert!(!fits(json!({"type": "array"}), json!({"type": "object"})));
        assert!(!fits(json!({"type": "boolean"}), json!({"enum": ["a", "b"]})));
    }

    #[test]
    fn a_value_that_might_fit_is_accepted() {
        assert!(fits(json!({"type": "number"}), json!({"type": "integer"})));
        assert!(fits(json!({"type": "integer"}), json!({"type": "number"})));
        assert!(fits(json!({}), json!({"type": "string"})));
        assert!(fits(json!(true), json!({"type": "string"})));
        assert!(fits(json!({"anyOf": [{"type": "string"}, {"type": "null"}]}), json!({"type": ["string", "null"]})));
        assert!(fits(json!({"$ref": "#/properties/tree"}), json!({"type": "object"})));
    }

    #[test]
    fn enums_consts_and_all_of_narrow_the_types() {
        assert_eq!(JsonTypes::of_schema(&json!({"enum": [1, 2]})).to_string(), "integer");
        assert_eq!(JsonTypes::of_schema(&json!({"const": "x"})).to_string(), "string");
        assert_eq!(
            JsonTypes::of_schema(&json!({"allOf": [{"type": ["string", "number"]}, {"type": "string"}]})).to_string(),
            "string"
        );
        assert_eq!(JsonTypes::of_schema(&json!({"type": ["number", "null"]})).to_string(), "null or number");
        assert_eq!(JsonTypes::of_schema(&json!(false)).to_string(), "nothing");
    }

    #[test]
    fn steps_look_into_items_properties_and_optional_branches() {
        use crate::graph::PinStep;
        let list = json!({"type": "array", "items": {"type": "string"}});
        assert_eq!(step_schema(&list, &PinStep::Index(4)), Some(&json!({"type": "string"})));
        let map = json!({"anyOf": [{"type": "object", "additionalProperties": {"type": "integer"}}, {"type": "null"}]});
        assert_eq!(step_schema(&map, &PinStep::Key("k".into())), Some(&json!({"type": "integer"})));
        assert_eq!(step_schema(&json!({"type": "object"}), &PinStep::Key("k".into())), None);
    }
}
