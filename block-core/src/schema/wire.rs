//! Block schemas in the reference platform's wire form: every `$ref` inlined and
//! every keyword starting with `$` left out.
//!
//! Strict clients (several LLM tool loaders among them) refuse `$schema`, `$defs`
//! and references, and the reference platform serves its schemas that way. The
//! result stays a valid draft 2020-12 schema that accepts exactly what the original
//! accepts:
//! - a `$ref` whose siblings are only annotations (`title`, `description`,
//!   `default`, the reference's UI keywords, ...) is replaced by its target with the
//!   siblings laid over it, so the field keeps its own title and default;
//! - a `$ref` next to assertions or applicators (`type`, `minimum`, `properties`,
//!   ...) becomes one more `allOf` entry, because merging keywords that interact
//!   (`additionalProperties` and `properties`, `items` and `prefixItems`) could
//!   change what validates;
//! - a recursive type keeps one `$ref` where it recurs. That reference points into
//!   the wire schema itself (a JSON pointer from its root, such as
//!   `#/properties/tree`), so it resolves without `$defs`, and it carries
//!   [`RECURSIVE_MARKER`] (`"x-recursive": true`) so a client that cannot follow
//!   references knows why one is there (and may read the node as "any value").
//!
//! Only keywords are stripped: a property *named* `$x` stays, and values of
//! `default`, `examples`, `const` and `enum` are data, copied untouched.

use serde_json::{Map, Value};

use super::pointer::{from_fragment, push_token, to_fragment};

/// The keyword marking a `$ref` kept for a recursive type in a wire schema.
pub const RECURSIVE_MARKER: &str = "x-recursive";

/// Keywords whose value is one subschema.
const SCHEMA_KEYWORDS: &[&str] = &[
    "additionalItems",
    "additionalProperties",
    "contains",
    "contentSchema",
    "else",
    "if",
    "items",
    "not",
    "propertyNames",
    "then",
    "unevaluatedItems",
    "unevaluatedProperties",
];

/// Keywords whose value is a list of subschemas.
const SCHEMA_LIST_KEYWORDS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

/// Keywords whose value maps names to subschemas.
const SCHEMA_MAP_KEYWORDS: &[&str] = &["dependentSchemas", "patternProperties", "properties"];

/// Keywords that assert something about a value or apply subschemas to it: next
/// to a `$ref`, these keep the target apart in `allOf` instead of being merged.
const ASSERTIONS: &[&str] = &[
    "additionalItems",
    "additionalProperties",
    "allOf",
    "anyOf",
    "const",
    "contains",
    "dependentRequired",
    "dependentSchemas",
    "else",
    "enum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "format",
    "if",
    "items",
    "maxContains",
    "maxItems",
    "maxLength",
    "maxProperties",
    "maximum",
    "minContains",
    "minItems",
    "minLength",
    "minProperties",
    "minimum",
    "multipleOf",
    "not",
    "oneOf",
    "pattern",
    "patternProperties",
    "prefixItems",
    "properties",
    "propertyNames",
    "required",
    "then",
    "type",
    "unevaluatedItems",
    "unevaluatedProperties",
    "uniqueItems",
];

/// Most `$ref` expansions one schema may need; past it, the schema is refused
/// rather than inlined into something no client would want to read.
const MAX_EXPANSIONS: usize = 10_000;

/// Why a schema cannot be put in wire form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireSchemaError {
    /// A `$ref` is not a JSON pointer into the same document, or points nowhere.
    #[error("the `$ref` {reference:?} at `{at}` does not point into the schema itself, so it cannot be inlined")]
    Unresolved {
        /// The reference as written.
        reference: String,
        /// Where it is, as a JSON pointer into the original schema.
        at: String,
    },
    /// A keyword the inlining cannot keep the meaning of (`$dynamicRef`, `$recursiveRef`).
    #[error("the keyword `{keyword}` at `{at}` cannot be inlined; use plain `$ref`s")]
    Unsupported {
        /// The keyword.
        keyword: String,
        /// Where it is, as a JSON pointer into the original schema.
        at: String,
    },
    /// Inlining would copy the same definitions over and over.
    #[error("inlining the schema takes more than {MAX_EXPANSIONS} `$ref` expansions; share fewer nested types")]
    TooLarge,
}

/// The wire form of `schema`: every `$ref` inlined (a recursive one kept, marked
/// [`RECURSIVE_MARKER`]), every `$` keyword (`$schema`, `$defs`, `$id`,
/// `$comment`, ...) left out.
///
/// ```
/// use block_core::schema::wire_schema;
/// use serde_json::json;
/// let schema = json!({
///     "$schema": "https://json-schema.org/draft/2020-12/schema",
///     "type": "object",
///     "properties": {"mode": {"$ref": "#/$defs/Mode", "title": "Mode", "default": "fast"}},
///     "$defs": {"Mode": {"type": "string", "enum": ["fast", "slow"]}},
/// });
/// assert_eq!(
///     wire_schema(&schema)?,
///     json!({
///         "type": "object",
///         "properties": {"mode": {"type": "string", "enum": ["fast", "slow"], "title": "Mode", "default": "fast"}},
///     })
/// );
/// # Ok::<(), block_core::schema::WireSchemaError>(())
/// ```
pub fn wire_schema(schema: &Value) -> Result<Value, WireSchemaError> {
    let mut inliner = Inliner { root: schema, expanding: Vec::new(), expansions: 0 };
    inliner.schema(schema, "", "")
}

/// Moves a wire schema's recursive references to where the schema sits inside a
/// larger document. The references a recursive type keeps point from the wire
/// schema's own root (`#/properties/tree`); placed at `location` (a `$ref` value
/// such as `#/components/schemas/TreeInput`, as in an OpenAPI document), they must
/// point from there (`#/components/schemas/TreeInput/properties/tree`).
///
/// ```
/// use block_core::schema::{RECURSIVE_MARKER, relocate_recursive_refs};
/// use serde_json::json;
/// let mut schema = json!({"properties": {"next": {"$ref": "#/properties", RECURSIVE_MARKER: true}}});
/// relocate_recursive_refs(&mut schema, "#/components/schemas/ListInput");
/// assert_eq!(schema["properties"]["next"]["$ref"], "#/components/schemas/ListInput/properties");
/// ```
pub fn relocate_recursive_refs(schema: &mut Value, location: &str) {
    match schema {
        Value::Object(object) => {
            if object.get(RECURSIVE_MARKER) == Some(&Value::Bool(true))
                && let Some(Value::String(reference)) = object.get_mut("$ref")
                && let Some(pointer) = reference.strip_prefix('#')
            {
                *reference = format!("{}{pointer}", location.trim_end_matches('/'));
            }
            object.values_mut().for_each(|value| relocate_recursive_refs(value, location));
        }
        Value::Array(items) => items.iter_mut().for_each(|item| relocate_recursive_refs(item, location)),
        _ => {}
    }
}

struct Inliner<'a> {
    root: &'a Value,
    /// The references being expanded, outermost first: the pointer each names in
    /// the original, and where its expansion sits in the output.
    expanding: Vec<(String, String)>,
    expansions: usize,
}

impl Inliner<'_> {
    /// `schema`, found at `source` in the original, to be placed at `at` in the output.
    fn schema(&mut self, schema: &Value, source: &str, at: &str) -> Result<Value, WireSchemaError> {
        let Value::Object(object) = schema else {
            // `true` and `false` are schemas too; anything else is not ours to judge.
            return Ok(schema.clone());
        };
        match object.get("$ref") {
            Some(Value::String(reference)) => self.reference(object, reference, source, at),
            _ => self.keywords(object, source, at).map(Value::Object),
        }
    }

    /// The keywords of `object` with their subschemas converted, `$` keywords left out.
    fn keywords(
        &mut self,
        object: &Map<String, Value>,
        source: &str,
        at: &str,
    ) -> Result<Map<String, Value>, WireSchemaError> {
        let mut out = Map::with_capacity(object.len());
        for (key, value) in object {
            if key == "$dynamicRef" || key == "$recursiveRef" {
                return Err(WireSchemaError::Unsupported { keyword: key.clone(), at: source.to_owned() });
            }
            if key.starts_with('$') {
                continue;
            }
            let (source, at) = (push_token(source, key), push_token(at, key));
            let converted = match value {
                Value::Object(_) if SCHEMA_KEYWORDS.contains(&key.as_str()) => self.schema(value, &source, &at)?,
                Value::Array(items) if SCHEMA_LIST_KEYWORDS.contains(&key.as_str()) || key == "items" => {
                    let mut list = Vec::with_capacity(items.len());
                    for (index, item) in items.iter().enumerate() {
                        let token = index.to_string();
                        list.push(self.schema(item, &push_token(&source, &token), &push_token(&at, &token))?);
                    }
                    Value::Array(list)
                }
                Value::Object(map) if SCHEMA_MAP_KEYWORDS.contains(&key.as_str()) => {
                    let mut converted = Map::with_capacity(map.len());
                    for (name, item) in map {
                        let item = self.schema(item, &push_token(&source, name), &push_token(&at, name))?;
                        converted.insert(name.clone(), item);
                    }
                    Value::Object(converted)
                }
                _ => value.clone(),
            };
            out.insert(key.clone(), converted);
        }
        Ok(out)
    }

    /// A schema object holding `$ref`, with its other keywords as siblings.
    fn reference(
        &mut self,
        object: &Map<String, Value>,
        reference: &str,
        source: &str,
        at: &str,
    ) -> Result<Value, WireSchemaError> {
        let unresolved = || WireSchemaError::Unresolved { reference: reference.to_owned(), at: source.to_owned() };
        let target_pointer = from_fragment(reference).ok_or_else(unresolved)?;
        let target = self.root.pointer(&target_pointer).ok_or_else(unresolved)?;
        let mut siblings = object.clone();
        siblings.shift_remove("$ref");

        if let Some((_, expanded_at)) = self.expanding.iter().find(|(pointer, _)| *pointer == target_pointer) {
            let recursion = to_fragment(expanded_at);
            let mut out = Map::new();
            out.insert("$ref".into(), Value::String(recursion));
            out.insert(RECURSIVE_MARKER.into(), Value::Bool(true));
            out.extend(self.keywords(&siblings, source, at)?);
            return Ok(Value::Object(out));
        }

        self.expansions += 1;
        if self.expansions > MAX_EXPANSIONS {
            return Err(WireSchemaError::TooLarge);
        }
        let mergeable = target.is_object() && siblings.keys().all(|key| !ASSERTIONS.contains(&key.as_str()));
        if mergeable {
            let inlined = self.expand(target, &target_pointer, at)?;
            let mut out = match inlined {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            // The referring field's own title, description and default win over the type's.
            out.extend(self.keywords(&siblings, source, at)?);
            return Ok(Value::Object(out));
        }
        let mut out = self.keywords(&siblings, source, at)?;
        let all_of = match out.shift_remove("allOf") {
            Some(Value::Array(list)) => list,
            Some(other) => vec![other],
            None => Vec::new(),
        };
        let slot = push_token(&push_token(at, "allOf"), &all_of.len().to_string());
        let mut all_of = all_of;
        all_of.push(self.expand(target, &target_pointer, &slot)?);
        out.insert("allOf".into(), Value::Array(all_of));
        Ok(Value::Object(out))
    }

    /// The target of a reference, inlined at `at`, with recursion back to it
    /// pointing there.
    fn expand(&mut self, target: &Value, pointer: &str, at: &str) -> Result<Value, WireSchemaError> {
        self.expanding.push((pointer.to_owned(), at.to_owned()));
        let inlined = self.schema(target, pointer, at);
        self.expanding.pop();
        inlined
    }
}
