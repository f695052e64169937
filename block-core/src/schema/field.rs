//! Per-field schema keywords.

use schemars::Schema;
use serde_json::{Value, json};

/// What `#[block_input(...)]` and the doc comment say about one input field. Build it with
/// [`FieldSpec::new`] and struct update syntax.
#[derive(Debug, Clone, Default)]
pub struct FieldSpec {
    /// The JSON property name.
    pub name: &'static str,
    /// Display title; the field name in title case when absent.
    pub title: Option<&'static str>,
    /// From the doc comment.
    pub description: &'static str,
    /// The default value, as JSON.
    pub default: Option<Value>,
    /// Whether a UI hides the field behind "advanced"; defaults to having a default.
    pub advanced: Option<bool>,
    /// Never shown in a UI (e.g. a trigger's payload).
    pub hidden: bool,
    /// The value is sensitive; UIs mask it.
    pub secret: bool,
    /// Example text shown in an empty input.
    pub placeholder: Option<&'static str>,
    /// Fields that must be set before this one is meaningful.
    pub depends_on: &'static [&'static str],
    /// JSON Schema `format`.
    pub format: Option<&'static str>,
    /// Inclusive lower bound of a number.
    pub minimum: Option<f64>,
    /// Inclusive upper bound of a number.
    pub maximum: Option<f64>,
    /// Shortest allowed string, in characters.
    pub min_length: Option<u64>,
    /// Longest allowed string, in characters.
    pub max_length: Option<u64>,
    /// Fewest allowed list items.
    pub min_items: Option<u64>,
    /// Most allowed list items.
    pub max_items: Option<u64>,
    /// For a credentials field: scopes the credentials must have been granted.
    pub scopes: &'static [&'static str],
}

impl FieldSpec {
    /// A field called `name` with no other keywords.
    pub fn new(name: &'static str) -> Self {
        FieldSpec { name, ..Self::default() }
    }

    pub(crate) fn apply(self, mut schema: Schema) -> Value {
        let object = schema.ensure_object();
        let title = self.title.map(str::to_owned).unwrap_or_else(|| super::title_case(self.name));
        object.insert("title".into(), json!(title));
        if !self.description.is_empty() {
            object.insert("description".into(), json!(self.description));
        }
        let advanced = self.advanced.unwrap_or(self.default.is_some());
        if let Some(default) = self.default {
            object.insert("default".into(), default);
        }
        object.insert("advanced".into(), json!(advanced));
        if self.hidden {
            object.insert("hidden".into(), json!(true));
        }
        if self.secret {
            object.insert("secret".into(), json!(true));
        }
        if let Some(placeholder) = self.placeholder {
            object.insert("placeholder".into(), json!(placeholder));
        }
        if !self.depends_on.is_empty() {
            object.insert("depends_on".into(), json!(self.depends_on));
        }
        if !self.scopes.is_empty() {
            object.insert("credentials_scopes".into(), json!(self.scopes));
        }
        if let Some(format) = self.format {
            object.insert("format".into(), json!(format));
        }
        let limits = [
            ("minimum", self.minimum.map(|v| json!(v))),
            ("maximum", self.maximum.map(|v| json!(v))),
            ("minLength", self.min_length.map(|v| json!(v))),
            ("maxLength", self.max_length.map(|v| json!(v))),
            ("minItems", self.min_items.map(|v| json!(v))),
            ("maxItems", self.max_items.map(|v| json!(v))),
        ];
        for (keyword, value) in limits {
            if let Some(value) = value {
                object.insert(keyword.into(), value);
            }
        }
        schema.to_value()
    }
}
