//! Fills `{{name}}` placeholders in a text from an object of values.

use block_core::prelude::*;
use serde_json::Map;

/// Inputs of `TextTemplateBlock`.
#[derive(BlockInput)]
pub struct TextTemplateInput {
    /// The text with `{{name}}` placeholders; spaces inside the braces are ignored, so
    /// `{{ name }}` works too. Every `{{` opens a placeholder.
    #[block_input(placeholder = "Hello, {{name}}!")]
    pub format: String,
    /// The value of each placeholder, by name. Strings are inserted as they are; other
    /// values as compact JSON.
    #[block_input(default = {}, advanced = false)]
    pub values: Map<String, Value>,
}

/// Outputs of `TextTemplateBlock`.
#[derive(BlockOutput)]
pub enum TextTemplateOutput {
    /// The text with every placeholder replaced.
    Output(String),
}

/// Fills the `{{name}}` placeholders of a text with values from an object. A
/// placeholder without a value fails the run and names the missing key.
#[block(id = "f56ac51d-0acb-4659-9dde-e72800a8c836", categories(Text), tests = text_template_cases)]
pub struct TextTemplateBlock;

impl Run for TextTemplateBlock {
    type Input = TextTemplateInput;
    type Output = TextTemplateOutput;

    async fn run(
        &self,
        input: TextTemplateInput,
        _ctx: &RunContext,
        out: &Emit<TextTemplateOutput>,
    ) -> Result<(), BlockError> {
        let text = render(&input.format, &input.values)?;
        out.emit(TextTemplateOutput::Output(text)).await
    }
}

/// One piece of a parsed template.
enum Piece<'a> {
    Literal(&'a str),
    Placeholder(&'a str),
}

/// Splits `template` into literal text and placeholder names.
fn parse(template: &str) -> Result<Vec<Piece<'_>>, BlockError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        pieces.push(Piece::Literal(&rest[..open]));
        let after_open = &rest[open + 2..];
        let Some(close) = after_open.find("}}") else {
            let offset = template.len() - rest.len() + open;
            return Err(BlockError::new(format!(
                "the placeholder opened at character {} is never closed with `}}}}`",
                template[..offset].chars().count() + 1
            )));
        };
        let name = after_open[..close].trim();
        if name.is_empty() {
            return Err(BlockError::new("the template has an empty placeholder `{{}}`; put a key name inside"));
        }
        pieces.push(Piece::Placeholder(name));
        rest = &after_open[close + 2..];
    }
    pieces.push(Piece::Literal(rest));
    Ok(pieces)
}

fn render(template: &str, values: &Map<String, Value>) -> Result<String, BlockError> {
    let pieces = parse(template)?;
    let mut missing: Vec<&str> = Vec::new();
    let mut text = String::with_capacity(template.len());
    for piece in pieces {
        match piece {
            Piece::Literal(literal) => text.push_str(literal),
            Piece::Placeholder(name) => match values.get(name) {
                Some(Value::String(value)) => text.push_str(value),
                Some(value) => text.push_str(&value.to_string()),
                None if missing.contains(&name) => {}
                None => missing.push(name),
            },
        }
    }
    if missing.is_empty() {
        return Ok(text);
    }
    let names = missing.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ");
    let known = if values.is_empty() {
        "`values` is empty".to_owned()
    } else {
        format!("`values` has {}", values.keys().map(|key| format!("`{key}`")).collect::<Vec<_>>().join(", "))
    };
    Err(BlockError::new(format!("no value for placeholder {names}; {known}")))
}

fn text_template_cases() -> Vec<TestCase<TextTemplateBlock>> {
    let values = |value: Value| match value {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    vec![
        TestCase::new(
            "fills every placeholder",
            TextTemplateInput {
                format: "Hello, {{name}}! You are {{ age }}.".into(),
                values: values(json!({"name": "Ada", "age": 36})),
            },
        )
        .output(TextTemplateOutput::Output("Hello, Ada! You are 36.".into())),
        TestCase::new(
            "repeats a placeholder used twice and renders non-strings as JSON",
            TextTemplateInput {
                format: "{{x}}-{{x}} {{list}} {{none}}".into(),
                values: values(json!({"x": "a", "list": [1, "b"], "none": null})),
            },
        )
        .output(TextTemplateOutput::Output(r#"a-a [1,"b"] null"#.into())),
        TestCase::json("text without placeholders passes through", json!({"format": "plain {text}"}))
            .output(TextTemplateOutput::Output("plain {text}".into())),
        TestCase::json(
            "keeps non-ASCII text intact",
            json!({"format": "¡{{greeting}}, мир!", "values": {"greeting": "Hola"}}),
        )
        .output(TextTemplateOutput::Output("¡Hola, мир!".into())),
        TestCase::json(
            "a placeholder without a value names the key",
            json!({"format": "Hi {{name}} {{surname}}", "values": {"name": "Ada"}}),
        )
        .error_containing("no value for placeholder `surname`; `values` has `name`"),
        TestCase::json("an unclosed placeholder says where it starts", json!({"format": "ab{{name", "values": {}}))
            .error_containing("opened at character 3 is never closed"),
        TestCase::json("an empty placeholder is an error", json!({"format": "a {{ }} b"}))
            .error_containing("empty placeholder"),
        TestCase::json("values must be an object", json!({"format": "x", "values": [1]})).invalid_input(["/values"]),
        TestCase::json("the format is required", json!({"values": {}})).invalid_input([""]),
    ]
}
