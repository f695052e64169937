//! JSON schemas of block inputs and outputs (draft 2020-12), with the reference
//! platform's extra keywords: `advanced`, `hidden`, `secret`, `placeholder`,
//! `depends_on`.
//!
//! The derives call these builders; a hand-written [`BlockInput`](crate::BlockInput)
//! can call them too. Type schemas come from `schemars`; this module only adds the
//! per-field keywords and assembles the object, so field order is declaration order.
//!
//! [`wire_schema`] turns a schema into the form served to clients (`GET /blocks`,
//! the OpenAPI document): references inlined, no `$` keywords.

mod enum_value;
mod field;
mod fields;
mod missing;
mod pointer;
mod wire;

#[doc(hidden)]
pub use enum_value::{deserialize_enum_value, enum_index_error};
pub use field::FieldSpec;
#[doc(hidden)]
pub use fields::InputFields;
pub use missing::{MissingField, missing_field};
pub use wire::{RECURSIVE_MARKER, WireSchemaError, relocate_recursive_refs, wire_schema};

pub use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// The `$schema` every block schema declares.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12().with(|s| s.meta_schema = None).into_generator()
}

/// Assembles the schema of an input object, one field at a time, with the type
/// schemas' definitions going into `generator` (so input structs can nest).
pub struct InputSchemaBuilder<'g> {
    generator: &'g mut SchemaGenerator,
    title: &'static str,
    description: &'static str,
    properties: Map<String, Value>,
    required: Vec<Value>,
}

impl<'g> InputSchemaBuilder<'g> {
    /// Starts the schema of the input type named `title`.
    pub fn new(generator: &'g mut SchemaGenerator, title: &'static str, description: &'static str) -> Self {
        InputSchemaBuilder { generator, title, description, properties: Map::new(), required: Vec::new() }
    }

    /// Adds a field of type `T`. The field is required unless it has a default or `T`
    /// accepts a missing value (as `Option<_>` does).
    pub fn field<T: JsonSchema + DeserializeOwned>(&mut self, spec: FieldSpec) -> &mut Self {
        let schema = self.generator.subschema_for::<T>();
        let has_default = spec.default.is_some();
        if !has_default && missing_field::<T>().is_err() {
            self.required.push(Value::String(spec.name.to_owned()));
        }
        self.properties.insert(spec.name.to_owned(), spec.apply(schema));
        self
    }

    /// The object schema, without `$schema` and definitions.
    pub fn finish(&mut self) -> Map<String, Value> {
        let mut schema = Map::new();
        schema.insert("title".into(), json!(self.title));
        if !self.description.is_empty() {
            schema.insert("description".into(), json!(self.description));
        }
        schema.insert("type".into(), json!("object"));
        schema.insert("properties".into(), Value::Object(std::mem::take(&mut self.properties)));
        schema.insert("required".into(), Value::Array(std::mem::take(&mut self.required)));
        schema.insert("additionalProperties".into(), Value::Bool(false));
        schema
    }
}

/// A whole input schema document: `$schema`, the object `build` assembles, and the
/// definitions its fields' types needed.
pub fn root_input_schema(build: impl FnOnce(&mut SchemaGenerator) -> Map<String, Value>) -> Value {
    let mut generator = generator();
    let object = build(&mut generator);
    root_schema(generator, object)
}

/// The root schema around `object`: not generic, so compiled once rather than once
/// per input type.
fn root_schema(mut generator: SchemaGenerator, object: Map<String, Value>) -> Value {
    let mut schema = Map::new();
    schema.insert("$schema".into(), json!(DIALECT));
    schema.extend(object);
    let definitions = generator.take_definitions(true);
    if !definitions.is_empty() {
        schema.insert("$defs".into(), Value::Object(definitions));
    }
    Value::Object(schema)
}

/// Assembles the schema of a block's outputs: one property per pin, then `error`.
pub struct OutputSchemaBuilder {
    generator: SchemaGenerator,
    title: &'static str,
    properties: Map<String, Value>,
}

impl OutputSchemaBuilder {
    /// Starts the schema of the output type named `title`.
    pub fn new(title: &'static str) -> Self {
        OutputSchemaBuilder { generator: generator(), title, properties: Map::new() }
    }

    /// Adds the pin `name` carrying values of type `T`.
    pub fn pin<T: JsonSchema + ?Sized>(
        &mut self,
        name: &'static str,
        title: &'static str,
        description: &'static str,
    ) -> &mut Self {
        let mut schema = self.generator.subschema_for::<T>();
        let object = schema.ensure_object();
        object.insert("title".into(), json!(title));
        if !description.is_empty() {
            object.insert("description".into(), json!(description));
        }
        self.properties.insert(name.to_owned(), schema.to_value());
        self
    }

    /// The finished schema, with the implicit `error` pin last.
    pub fn finish(&mut self) -> Value {
        self.properties.insert(
            crate::OutputEvent::ERROR.to_owned(),
            json!({
                "title": "Error",
                "description": "Why the run failed; emitted once, as the last output, when it does.",
                "type": "string",
            }),
        );
        let mut schema = Map::new();
        schema.insert("$schema".into(), json!(DIALECT));
        schema.insert("title".into(), json!(self.title));
        schema.insert("type".into(), json!("object"));
        schema.insert("properties".into(), Value::Object(std::mem::take(&mut self.properties)));
        let definitions = self.generator.take_definitions(true);
        if !definitions.is_empty() {
            schema.insert("$defs".into(), Value::Object(definitions));
        }
        Value::Object(schema)
    }
}

/// The schema of a unit-only enum: a string with one of `values`, each value's
/// description in `enumDescriptions`; used by `#[derive(BlockEnum)]`.
pub fn enum_schema(title: &str, description: &str, values: &[&str], descriptions: &[&str]) -> Schema {
    let mut schema = Map::new();
    schema.insert("title".into(), json!(title));
    if !description.is_empty() {
        schema.insert("description".into(), json!(description));
    }
    schema.insert("type".into(), json!("string"));
    schema.insert("enum".into(), json!(values));
    // Per-value descriptions ride along as an annotation (as VS Code's schemas do);
    // a `oneOf` of `const`s would make every bad value fail twice.
    if descriptions.iter().any(|d| !d.is_empty()) {
        schema.insert("enumDescriptions".into(), json!(descriptions));
    }
    Schema::from(schema)
}

/// Turns a field name into a title: `is_funny` -> `Is Funny`.
pub fn title_case(name: &str) -> String {
    name.split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_words_of_the_field_name() {
        assert_eq!(title_case("is_funny"), "Is Funny");
        assert_eq!(title_case("name"), "Name");
        assert_eq!(title_case("a__b"), "A B");
    }

    #[test]
    fn option_fields_are_not_required_and_others_are() {
        let schema = root_input_schema(|generator| {
            let mut builder = InputSchemaBuilder::new(generator, "In", "");
            builder.field::<Option<String>>(FieldSpec::new("maybe"));
            builder.field::<String>(FieldSpec::new("surely"));
            builder.finish()
        });
        assert_eq!(schema["required"], json!(["surely"]));
        assert_eq!(
            schema["properties"].as_object().map(|p| p.keys().cloned().collect::<Vec<_>>()),
            Some(vec!["maybe".to_owned(), "surely".to_owned()])
        );
    }

    #[test]
    fn every_output_schema_ends_with_the_error_pin() {
        let schema = OutputSchemaBuilder::new("Out").pin::<u64>("count", "Count", "How many.").finish();
        let pins: Vec<_> = schema["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default();
        assert_eq!(pins, vec!["count".to_owned(), "error".to_owned()]);
        assert_eq!(schema["properties"]["error"]["type"], "string");
    }
}
