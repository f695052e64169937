//! The derives' former attribute names (`#[input]`, `#[output]`, `#[value]`) still
//! mean what the `block_`-prefixed ones mean (their deprecation warnings are UI tests).
#![allow(deprecated)]

use block_core::prelude::*;
use serde_json::json;

/// How to greet.
#[derive(BlockEnum)]
pub enum Style {
    #[block_value(rename = "FORMAL")]
    Formal,
    Casual,
}

/// How to greet, spelled the former way.
#[derive(BlockEnum)]
pub enum FormerStyle {
    #[value(rename = "FORMAL")]
    Formal,
    Casual,
}

/// What to greet.
#[derive(BlockInput)]
pub struct Current {
    /// Who.
    #[block_input(placeholder = "Ada", min_length = 1)]
    pub name: String,
    /// How many times.
    #[block_input(default = 2, advanced)]
    pub times: u32,
}

/// What to greet.
#[derive(BlockInput)]
pub struct Former {
    /// Who.
    #[input(placeholder = "Ada", min_length = 1)]
    pub name: String,
    /// How many times.
    #[input(default = 2, advanced)]
    pub times: u32,
}

#[derive(BlockOutput)]
pub enum CurrentOutput {
    /// The greeting.
    #[block_output(name = "text", title = "Greeting text")]
    Greeting(String),
}

#[derive(BlockOutput)]
pub enum FormerOutput {
    /// The greeting.
    #[output(name = "text", title = "Greeting text")]
    Greeting(String),
}

/// A schema without its top-level `title` (the type's name, which differs).
fn untitled(mut schema: serde_json::Value) -> serde_json::Value {
    schema.as_object_mut().expect("an object schema").remove("title");
    schema
}

#[test]
fn a_former_input_spelling_gives_the_same_schema_and_reading() {
    let former = untitled(Former::input_schema());
    assert_eq!(former, untitled(Current::input_schema()));
    assert_eq!(former["properties"]["name"]["placeholder"], json!("Ada"));
    let read: Former = serde_json::from_value(json!({"name": "Bo"})).expect("reads");
    assert_eq!((read.name.as_str(), read.times), ("Bo", 2));
}

#[test]
fn a_former_output_spelling_renames_the_pin_alike() {
    assert_eq!(FormerOutput::Greeting("hi".into()).pin(), "text");
    assert_eq!(CurrentOutput::Greeting("hi".into()).pin(), "text");
    assert_eq!(untitled(FormerOutput::output_schema()), untitled(CurrentOutput::output_schema()));
}

#[test]
fn a_former_value_spelling_renames_the_value_alike() {
    assert_eq!(serde_json::to_value(FormerStyle::Formal).expect("serializes"), json!("FORMAL"));
    assert_eq!(serde_json::to_value(Style::Formal).expect("serializes"), json!("FORMAL"));
    let read: FormerStyle = serde_json::from_value(json!("casual")).expect("reads");
    assert!(matches!(read, FormerStyle::Casual));
}
