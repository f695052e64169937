//! Schemas in wire form: references inlined, `$` keywords gone, still draft 2020-12,
//! and accepting exactly what the original accepts.

use block_core::schema::{RECURSIVE_MARKER, WireSchemaError, relocate_recursive_refs, wire_schema};
use block_core::schemars::{self, JsonSchema};
use block_core::serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Every key anywhere in `value`, as `(JSON pointer of its object, key)`.
fn keys(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                out.push((at.to_owned(), key.clone()));
                keys(child, &format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                keys(item, &format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

fn dollar_keywords(schema: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    keys(schema, "", &mut found);
    found.retain(|(at, key)| key.starts_with('$') && !at.ends_with("/properties"));
    found
}

/// Asserts the original and the wire form accept and refuse the same instances.
fn assert_same_verdicts(original: &Value, wire: &Value, instances: &[Value]) {
    let original_validator = jsonschema::draft202012::new(original).expect("original compiles");
    let wire_validator = jsonschema::draft202012::new(wire).expect("wire form compiles");
    for instance in instances {
        assert_eq!(
            original_validator.is_valid(instance),
            wire_validator.is_valid(instance),
            "verdicts differ for {instance}\nwire schema: {wire:#}"
        );
    }
}

#[test]
fn inlines_definitions_and_drops_dollar_keywords() {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.com/in",
        "$comment": "internal",
        "title": "In",
        "type": "object",
        "properties": {
            "mode": {"$ref": "#/$defs/Mode", "title": "Mode", "description": "How.", "default": "fast", "advanced": true},
            "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}},
            "maybe": {"anyOf": [{"$ref": "#/$defs/Mode"}, {"type": "null"}]},
        },
        "required": ["mode"],
        "$defs": {
            "Mode": {"title": "Mode type", "type": "string", "enum": ["fast", "slow"]},
            "Tag": {"type": "string", "minLength": 1},
        },
    });
    let wire = wire_schema(&schema).expect("inlined");
    assert_eq!(
        wire,
        json!({
            "title": "In",
            "type": "object",
            "properties": {
                "mode": {"title": "Mode", "type": "string", "enum": ["fast", "slow"], "description": "How.", "default": "fast", "advanced": true},
                "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
                "maybe": {"anyOf": [{"title": "Mode type", "type": "string", "enum": ["fast", "slow"]}, {"type": "null"}]},
            },
            "required": ["mode"],
        })
    );
    assert!(dollar_keywords(&wire).is_empty(), "{:?}", dollar_keywords(&wire));
    jsonschema::draft202012::meta::validate(&wire).expect("valid draft 2020-12");
    assert_same_verdicts(
        &schema,
        &wire,
        &[
            json!({"mode": "fast"}),
            json!({"mode": "medium"}),
            json!({"mode": "slow", "tags": ["a", ""]}),
            json!({"mode": "slow", "tags": ["a"], "maybe": null}),
            json!({"mode": "slow", "maybe": "sideways"}),
            json!({}),
        ],
    );
}

#[test]
fn a_reference_beside_assertions_goes_into_all_of_instead_of_being_merged() {
    // Merging would let `additionalProperties: false` see the target's properties
    // and accept `{"a": 1}`, which the original refuses.
    let schema = json!({
        "$ref": "#/$defs/Open",
        "additionalProperties": false,
        "$defs": {"Open": {"type": "object", "properties": {"a": {"type": "integer"}}}},
    });
    let wire = wire_schema(&schema).expect("inlined");
    assert_eq!(
        wire,
        json!({
            "additionalProperties": false,
            "allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}}],
        })
    );
    assert_same_verdicts(&schema, &wire, &[json!({}), json!({"a": 1}), json!({"a": "x"}), json!(3)]);
}

#[test]
fn an_existing_all_of_gains_the_target_as_its_last_entry() {
    let schema = json!({
        "$ref": "#/$defs/Short",
        "allOf": [{"minLength": 2}],
        "$defs": {"Short": {"type": "string", "maxLength": 3}},
    });
    let wire = wire_schema(&schema).expect("inlined");
    assert_eq!(wire, json!({"allOf": [{"minLength": 2}, {"type": "string", "maxLength": 3}]}));
    assert_same_verdicts(&schema, &wire, &[json!("a"), json!("ab"), json!("abcd"), json!(1)]);
}

#[test]
fn property_names_and_data_values_that_look_like_keywords_are_kept() {
    let schema = json!({
        "type": "object",
        "properties": {"$price": {"type": "number", "default": {"$ref": "not a reference"}}},
        "examples": [{"$schema": "data"}],
        "const": {"$defs": 1},
    });
    let wire = wire_schema(&schema).expect("inlined");
    assert_eq!(wire, schema);
}

#[test]
fn references_that_do_not_point_into_the_schema_are_refused() {
    for (reference, schema) in [
        ("#/$defs/Missing", json!({"properties": {"a": {"$ref": "#/$defs/Missing"}}})),
        ("https://example.com/other.json", json!({"properties": {"a": {"$ref": "https://example.com/other.json"}}})),
        ("#anchor", json!({"properties": {"a": {"$ref": "#anchor"}}})),
    ] {
        assert_eq!(
            wire_schema(&schema),
            Err(WireSchemaError::Unresolved { reference: reference.to_owned(), at: "/properties/a".to_owned() })
        );
    }
    let dynamic = json!({"items": {"$dynamicRef": "#node"}});
    assert!(matches!(wire_schema(&dynamic), Err(WireSchemaError::Unsupported { .. })));
}

/// A tree of labels: a recursive type.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(crate = "block_core::serde")]
#[schemars(crate = "block_core::schemars")]
struct Tree {
    label: String,
    children: Vec<Tree>,
}

#[test]
fn a_recursive_type_keeps_one_marked_reference_into_the_wire_schema() {
    let generator = &mut schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let tree = generator.subschema_for::<Tree>().to_value();
    let mut schema = json!({"type": "object", "properties": {"tree": tree}, "required": ["tree"]});
    schema["$defs"] = Value::Object(generator.take_definitions(true));

    let wire = wire_schema(&schema).expect("inlined");
    let children = &wire["properties"]["tree"]["properties"]["children"];
    assert_eq!(children["items"], json!({"$ref": "#/properties/tree", RECURSIVE_MARKER: true}), "{wire:#}");
    assert_eq!(wire["properties"]["tree"]["properties"]["label"]["type"], "string");
    assert!(wire.get("$defs").is_none());
    let remaining: Vec<_> = dollar_keywords(&wire).into_iter().map(|(_, key)| key).collect();
    assert_eq!(remaining, ["$ref"], "only the recursion keeps a reference");
    jsonschema::draft202012::meta::validate(&wire).expect("valid draft 2020-12");
    assert_same_verdicts(
        &schema,
        &wire,
        &[
            json!({"tree": {"label": "root", "children": []}}),
            json!({"tree": {"label": "root", "children": [{"label": "a", "children": [{"label": "b", "children": []}]}]}}),
            json!({"tree": {"label": "root", "children": [{"label": "a", "children": [{"label": 7, "children": []}]}]}}),
            json!({"tree": {"label": "root", "children": [{"children": []}]}}),
        ],
    );
}

#[test]
fn a_recursive_reference_beside_assertions_points_into_its_all_of_entry() {
    let schema = json!({
        "properties": {"list": {"$ref": "#/$defs/List", "maxProperties": 2}},
        "$defs": {"List": {"type": "object", "properties": {"next": {"$ref": "#/$defs/List"}}}},
    });
    let wire = wire_schema(&schema).expect("inlined");
    assert_eq!(
        wire["properties"]["list"]["allOf"][0]["properties"]["next"],
        json!({"$ref": "#/properties/list/allOf/0", RECURSIVE_MARKER: true})
    );
    assert_same_verdicts(
        &schema,
        &wire,
        &[
            json!({"list": {"next": {"next": {}}}}),
            json!({"list": {"next": {"next": 3}}}),
            json!({"list": {"a": 1, "b": 2, "next": {}}}),
            // The limit applies to the field only, not to every link of the list.
            json!({"list": {"next": {"a": 1, "b": 2, "c": 3}}}),
        ],
    );
}

#[test]
fn references_to_names_that_need_escaping_resolve() {
    let schema = json!({
        "properties": {"a": {"$ref": "#/$defs/Wrapper%3Cstring%3E"}, "b": {"$ref": "#/$defs/a~1b"}},
        "$defs": {"Wrapper<string>": {"type": "string"}, "a/b": {"type": "integer"}},
    });
    let wire = wire_schema(&schema).expect("inlined");
    assert_eq!(wire, json!({"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}));
}

#[test]
fn a_schema_that_would_inline_without_end_is_refused() {
    // Each level references the next twice: 2^20 copies if nothing stopped it.
    let mut defs = serde_json::Map::new();
    for level in 0..20 {
        let next = format!("#/$defs/L{}", level + 1);
        defs.insert(format!("L{level}"), json!({"properties": {"a": {"$ref": next}, "b": {"$ref": next}}}));
    }
    defs.insert("L20".into(), json!({"type": "string"}));
    let schema = json!({"$ref": "#/$defs/L0", "$defs": defs});
    assert_eq!(wire_schema(&schema), Err(WireSchemaError::TooLarge));
}

#[test]
fn recursive_references_follow_the_schema_into_a_larger_document() {
    let schema = json!({
        "properties": {"list": {"$ref": "#/$defs/List"}},
        "$defs": {"List": {"type": "object", "properties": {"next": {"$ref": "#/$defs/List"}}}},
    });
    let mut wire = wire_schema(&schema).expect("inlined");
    relocate_recursive_refs(&mut wire, "#/components/schemas/ListInput");
    let document = json!({"components": {"schemas": {"ListInput": wire}}, "$ref": "#/components/schemas/ListInput"});
    assert_eq!(
        document["components"]["schemas"]["ListInput"]["properties"]["list"]["properties"]["next"]["$ref"],
        "#/components/schemas/ListInput/properties/list"
    );
    let validator = jsonschema::draft202012::new(&document).expect("the references resolve in the document");
    assert!(validator.is_valid(&json!({"list": {"next": {"next": {}}}})));
    assert!(!validator.is_valid(&json!({"list": {"next": {"next": 3}}})));
}
