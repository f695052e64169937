//! The "try it" form of a block, generated from its input schema, and the way
//! back: the submitted fields turned into the block's JSON input, every field
//! that cannot be read named with its problem.
//!
//! Text, numbers (with their limits), enums (a select), booleans (a checkbox),
//! lists of text or numbers (one per line), anything else as JSON; `advanced`
//! fields folded in a `<details>`, `hidden` ones left out (their default
//! applies), `secret` ones masked; placeholders and defaults shown;
//! `depends_on` kept on the field for the script, which enables the field once
//! those it depends on have a value. A credentials field is a picker of the
//! user's stored credentials for its provider, with a link to add some.

use std::collections::BTreeMap;

use block_core::RegisteredBlock;
use serde_json::Value;

mod read;

pub use read::{by_field, read};

use super::html::{escape, segment};
use crate::services::credentials::ListedCredentials;

/// The prefix of the form's input fields' names.
pub const PREFIX: &str = "input.";

/// Problems by field name (`""` for the input as a whole).
pub type Problems = BTreeMap<String, Vec<String>>;

/// What a form is generated from: an input schema (a block's, or an agent's),
/// the prefix of its controls' ids (two forms on one page keep theirs apart),
/// and the fields it leaves out (a trigger's `payload`, which a delivery fills).
#[derive(Debug, Clone, Copy)]
pub struct FormOf<'a> {
    schema: &'a Value,
    ids: &'a str,
    names: &'a str,
    skip: &'a [&'a str],
}

impl<'a> FormOf<'a> {
    /// The form of an input schema, its controls' ids starting `field-`.
    pub fn schema(schema: &'a Value) -> Self {
        FormOf { schema, ids: "field-", names: PREFIX, skip: &[] }
    }

    /// The form of a block's input.
    pub fn block(block: &'a RegisteredBlock) -> Self {
        Self::schema(block.wire_input_schema())
    }

    /// The same form, its controls' ids starting with `ids` instead.
    pub fn ids(self, ids: &'a str) -> Self {
        FormOf { ids, ..self }
    }

    /// The same form, its controls' names starting with `names` instead of
    /// [`PREFIX`] (two parts of one form read apart).
    pub fn names(self, names: &'a str) -> Self {
        FormOf { names, ..self }
    }

    /// The same form without the fields named in `skip`.
    pub fn without(self, skip: &'a [&'a str]) -> Self {
        FormOf { skip, ..self }
    }

    fn fields(&self) -> Vec<Field<'a>> {
        let schema = self.schema;
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        schema["properties"]
            .as_object()
            .map(|properties| {
                properties
                    .iter()
                    .filter(|(name, schema)| {
                        !schema["hidden"].as_bool().unwrap_or(false) && !self.skip.contains(&name.as_str())
                    })
                    .map(|(name, schema)| Field { name, schema, required: required.contains(&name.as_str()) })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One property of the input schema, as the form sees it.
struct Field<'a> {
    name: &'a str,
    schema: &'a Value,
    required: bool,
}

/// The JSON type a property takes (`Option<T>`'s `["T", "null"]` is `T`).
pub fn type_of(schema: &Value) -> &str {
    match &schema["type"] {
        Value::String(kind) => kind,
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).find(|kind| *kind != "null").unwrap_or("string"),
        _ if schema.get("credentials_provider").is_some() => "credentials",
        _ if schema.get("enum").is_some() => "string",
        _ => "json",
    }
}

fn is_credentials(schema: &Value) -> bool {
    schema.get("credentials_provider").is_some()
}

/// How a field is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Editor {
    Credentials,
    Select,
    Checkbox,
    Integer,
    Number,
    Text,
    Lines,
    /// An object whose every property is a boolean (a trigger's event filter):
    /// one checkbox each.
    Flags,
    Json,
}

fn editor(schema: &Value) -> Editor {
    if is_credentials(schema) {
        return Editor::Credentials;
    }
    if schema["enum"].is_array() {
        return Editor::Select;
    }
    let flags = schema["properties"].as_object().filter(|properties| !properties.is_empty());
    if type_of(schema) == "object" && flags.is_some_and(|flags| flags.values().all(|flag| type_of(flag) == "boolean")) {
        return Editor::Flags;
    }
    match type_of(schema) {
        "boolean" => Editor::Checkbox,
        "integer" => Editor::Integer,
        "number" => Editor::Number,
        "string" => Editor::Text,
        "array" if matches!(type_of(&schema["items"]), "string" | "number" | "integer") => Editor::Lines,
        _ => Editor::Json,
    }
}

fn value_text(value: &Value, editor: Editor) -> String {
    match (value, editor) {
        (Value::Null, _) => String::new(),
        (Value::String(text), _) => text.clone(),
        (Value::Array(items), Editor::Lines) => items
            .iter()
            .map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("\n"),
        (other, Editor::Json) => serde_json::to_string_pretty(other).unwrap_or_default(),
        (other, _) => other.to_string(),
    }
}

/// The form's fields, filled with `values` (the last input sent) or the
/// defaults, each with its problems.
pub fn render(form: FormOf<'_>, credentials: &[ListedCredentials], values: &Value, problems: &Problems) -> String {
    let (mut basic, mut advanced) = (String::new(), String::new());
    for field in form.fields() {
        let html =
            render_field((form.ids, form.names), &field, credentials, values.get(field.name), problems.get(field.name));
        if field.schema["advanced"].as_bool().unwrap_or(false) && problems.get(field.name).is_none() {
            advanced.push_str(&html);
        } else {
            basic.push_str(&html);
        }
    }
    if !advanced.is_empty() {
        basic.push_str(&format!("<details class=\"advanced\"><summary>Advanced</summary>{advanced}</details>"));
    }
    basic
}

fn render_field(
    (ids, names): (&str, &str),
    field: &Field<'_>,
    credentials: &[ListedCredentials],
    sent: Option<&Value>,
    problems: Option<&Vec<String>>,
) -> String {
    let schema = field.schema;
    let editor = editor(schema);
    let id = format!("{ids}{}", field.name);
    let name = escape(&format!("{names}{}", field.name));
    let title = schema["title"].as_str().unwrap_or(field.name);
    let value = sent.or_else(|| schema.get("default")).map(|value| value_text(value, editor)).unwrap_or_default();
    let placeholder =
        schema["placeholder"].as_str().map(|text| format!(" placeholder=\"{}\"", escape(text))).unwrap_or_default();
    let required = if field.required && editor != Editor::Checkbox { " required" } else { "" };
    let mut describedby = vec![format!("{id}-error")];
    let mut help = String::new();
    if let Some(description) = schema["description"].as_str() {
        help.push_str(&format!("<p class=\"help\" id=\"{id}-help\">{}</p>", escape(description)));
        describedby.push(format!("{id}-help"));
    }
    let depends: Vec<&str> = schema["depends_on"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !depends.is_empty() {
        help.push_str(&format!("<p class=\"help\">Needs {} first.</p>", escape(&depends.join(", "))));
    }
    let depends_attr =
        if depends.is_empty() { String::new() } else { format!(" data-depends-on=\"{}\"", escape(&depends.join(" "))) };
    let invalid = if problems.is_some() { " aria-invalid=\"true\"" } else { "" };
    let common = format!(
        "id=\"{id}\" name=\"{name}\" aria-describedby=\"{}\"{required}{invalid}{depends_attr}",
        describedby.join(" ")
    );
    let control = match editor {
        Editor::Credentials => credentials_picker(schema, credentials, &common, &value_of_credentials(sent)),
        Editor::Select => {
            let mut options = String::new();
            if !field.required && schema.get("default").is_none() {
                options.push_str("<option value=\"\">(none)</option>");
            }
            for option in schema["enum"].as_array().into_iter().flatten() {
                let text = option.as_str().map_or_else(|| option.to_string(), str::to_owned);
                let selected = if text == value { " selected" } else { "" };
                options.push_str(&format!("<option value=\"{0}\"{selected}>{0}</option>", escape(&text)));
            }
            format!("<select {common}>{options}</select>")
        }
        Editor::Checkbox => {
            let checked = if value == "true" { " checked" } else { "" };
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"false\"><input type=\"checkbox\" value=\"true\" {common}{checked}>"
            )
        }
        Editor::Integer | Editor::Number => {
            let step = if editor == Editor::Integer { "1" } else { "any" };
            let mut limits = String::new();
            for (key, attr) in [("minimum", "min"), ("maximum", "max")] {
                if let Some(limit) = schema.get(key).filter(|limit| limit.is_number()) {
                    limits.push_str(&format!(" {attr}=\"{limit}\""));
                }
            }
            format!(
                "<input type=\"number\" step=\"{step}\"{limits} value=\"{}\" {common}{placeholder}>",
                escape(&value)
            )
        }
        Editor::Text => {
            let kind =
                if schema["secret"].as_bool().unwrap_or(false) { "password\" autocomplete=\"off" } else { "text" };
            let mut limits = String::new();
            for (key, attr) in [("minLength", "minlength"), ("maxLength", "maxlength")] {
                if let Some(limit) = schema.get(key).and_then(Value::as_u64) {
                    limits.push_str(&format!(" {attr}=\"{limit}\""));
                }
            }
            if schema["secret"].as_bool().unwrap_or(false) {
                format!("<input type=\"{kind}\"{limits} {common}{placeholder}>")
            } else {
                format!("<input type=\"{kind}\"{limits} value=\"{}\" {common}{placeholder}>", escape(&value))
            }
        }
        Editor::Lines => format!(
            "<textarea rows=\"4\" {common}{placeholder}>{}</textarea><p class=\"help\">One item per line.</p>",
            escape(&value)
        ),
        Editor::Json => format!(
            "<textarea rows=\"5\" class=\"code\" spellcheck=\"false\" {common}{placeholder}>{}</textarea>\
             <p class=\"help\">JSON.</p>",
            escape(&value)
        ),
        Editor::Flags => flag_boxes(schema, sent, &id, &name),
    };
    let errors: String = problems.into_iter().flatten().map(|text| format!("<span>{}</span>", escape(text))).collect();
    let hidden = if errors.is_empty() { " hidden" } else { "" };
    let marker = if field.required { " <span class=\"req\" aria-hidden=\"true\">*</span>" } else { "" };
    if editor == Editor::Flags {
        // A group of checkboxes is named by its legend, not by a label.
        return format!(
            "<fieldset class=\"field flags\" data-field=\"{fname}\" aria-describedby=\"{described}\">\
             <legend>{title}{marker}</legend>{control}{help}\
             <p class=\"field-error\" id=\"{id}-error\" role=\"alert\"{hidden}>{errors}</p></fieldset>",
            fname = escape(field.name),
            described = describedby.join(" "),
            id = escape(&id),
            title = escape(title)
        );
    }
    format!(
        "<div class=\"field\" data-field=\"{fname}\"><label for=\"{id}\">{title}{marker}</label>{control}{help}\
         <p class=\"field-error\" id=\"{id}-error\" role=\"alert\"{hidden}>{errors}</p></div>",
        fname = escape(field.name),
        id = escape(&id),
        title = escape(title)
    )
}

/// One checkbox per property of an object of booleans, checked as sent or by
/// the property's default; each with a hidden `false` the box overrides.
fn flag_boxes(schema: &Value, sent: Option<&Value>, id: &str, name: &str) -> String {
    let items: String = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, flag)| {
            let on = sent.and_then(|sent| sent[key].as_bool()).or_else(|| flag["default"].as_bool()).unwrap_or(false);
            let checked = if on { " checked" } else { "" };
            let label = flag["title"].as_str().unwrap_or(key);
            let help =
                flag["description"].as_str().map(|text| format!(" <span class=\"type\">{}</span>", escape(text)));
            format!(
                "<li><input type=\"hidden\" name=\"{name}.{key}\" value=\"false\">\
                 <input type=\"checkbox\" id=\"{id}-{key}\" name=\"{name}.{key}\" value=\"true\"{checked}>\
                 <label for=\"{id}-{key}\">{label}{help}</label></li>",
                key = escape(key),
                label = escape(label),
                help = help.unwrap_or_default(),
            )
        })
        .collect();
    format!("<ul class=\"checks\" id=\"{id}\">{items}</ul>")
}

fn value_of_credentials(sent: Option<&Value>) -> String {
    sent.and_then(|value| value["id"].as_str()).unwrap_or_default().to_owned()
}

fn credentials_picker(schema: &Value, credentials: &[ListedCredentials], common: &str, chosen: &str) -> String {
    let providers = strings(&schema["credentials_provider"]);
    let kinds = strings(&schema["credentials_types"]);
    let mut options = String::from("<option value=\"\">Choose credentials</option>");
    for listed in credentials.iter().filter(|listed| {
        providers.contains(&listed.meta.provider.as_str()) && kinds.contains(&listed.meta.kind.as_str())
    }) {
        let title = listed.meta.title.clone().unwrap_or_else(|| listed.meta.id.clone());
        let selected = if listed.meta.id == chosen { " selected" } else { "" };
        options.push_str(&format!(
            "<option value=\"{}\"{selected}>{} ({})</option>",
            escape(&listed.meta.id),
            escape(&title),
            escape(listed.meta.kind.as_str())
        ));
    }
    let add: String = providers
        .iter()
        .map(|provider| {
            format!(
                "<a href=\"/credentials?provider={}#add\">Add {} credentials</a>",
                segment(provider),
                escape(provider)
            )
        })
        .collect();
    format!("<div class=\"picker\"><select {common}>{options}</select> {add}</div>")
}

fn strings(value: &Value) -> Vec<&str> {
    value.as_array().map(|items| items.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}
