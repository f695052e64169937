//! Block schemas: valid draft 2020-12 documents, defaults that fit their fields, and
//! committed snapshots of a few blocks' schemas, as derived (`Name.input.json`) and
//! as served with references inlined (`Name.input.wire.json`).
//!
//! To accept a deliberate schema change, run with `UPDATE_SNAPSHOTS=1` and review
//! the diff of `tests/snapshots/`.

use std::path::PathBuf;

/// Blocks whose schemas are committed as snapshots.
const SNAPSHOT_BLOCKS: &[&str] = &[
    "CalculatorBlock",
    "TextTemplateBlock",
    "ConditionBlock",
    "ListIteratorBlock",
    "ExampleBlock",
    "SendWebRequestBlock",
];

#[test]
fn every_schema_is_valid_against_the_draft_2020_12_meta_schema() {
    let registry = block_workspace_tests::registry();
    let mut problems = Vec::new();
    for block in registry.blocks() {
        for (which, schema) in [("input", block.input_schema()), ("output", block.output_schema())] {
            assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
            if let Err(error) = jsonschema::meta::validate(schema) {
                problems.push(format!("{} {which} schema: {error} at {}", block.name(), error.instance_path()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_wire_schema_is_valid_draft_2020_12_without_dollar_keywords() {
    let registry = block_workspace_tests::registry();
    let mut problems = Vec::new();
    for block in registry.blocks() {
        for (which, schema) in [("input", block.wire_input_schema()), ("output", block.wire_output_schema())] {
            if let Err(error) = jsonschema::draft202012::meta::validate(schema) {
                problems.push(format!("{} wire {which} schema: {error} at {}", block.name(), error.instance_path()));
            }
            let mut keywords = Vec::new();
            dollar_keywords(schema, &mut keywords);
            if !keywords.is_empty() {
                problems.push(format!("{} wire {which} schema keeps {keywords:?}", block.name()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `$` keywords in a schema, except a `$ref` marked as a recursion; property names
/// (the keys of `properties`) are not keywords.
fn dollar_keywords(schema: &serde_json::Value, found: &mut Vec<String>) {
    match schema {
        serde_json::Value::Object(map) => {
            let recursion = map.get(block_core::schema::RECURSIVE_MARKER) == Some(&serde_json::Value::Bool(true));
            for (key, value) in map {
                if key.starts_with('$') && !(key == "$ref" && recursion) {
                    found.push(key.clone());
                }
                if key == "properties" {
                    value.as_object().into_iter().flatten().for_each(|(_, field)| dollar_keywords(field, found));
                } else if !matches!(key.as_str(), "default" | "examples" | "const" | "enum") {
                    dollar_keywords(value, found);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| dollar_keywords(item, found)),
        _ => {}
    }
}

#[test]
fn every_default_satisfies_its_own_field_schema() {
    let registry = block_workspace_tests::registry();
    let mut problems = Vec::new();
    for block in registry.blocks() {
        let schema = block.input_schema();
        let Some(properties) = schema["properties"].as_object() else { continue };
        for (field, field_schema) in properties {
            let Some(default) = field_schema.get("default") else { continue };
            // Resolve `$ref`s against the whole document by validating a one-field object.
            let mut single = schema.clone();
            single["required"] = serde_json::json!([]);
            let instance = serde_json::json!({ field: default });
            let validator = jsonschema::draft202012::new(&single).expect("compiles");
            for error in validator.iter_errors(&instance) {
                problems.push(format!("{}: default of `{field}`: {error}", block.name()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_output_schema_has_the_error_pin_last() {
    let registry = block_workspace_tests::registry();
    for block in registry.blocks() {
        let pins: Vec<&String> = block.output_schema()["properties"].as_object().expect("object").keys().collect();
        assert_eq!(pins.last().map(|p| p.as_str()), Some("error"), "{}", block.name());
        assert_eq!(pins.len(), block.descriptor().pins.len() + 1, "{}", block.name());
    }
}

#[test]
fn schemas_match_their_committed_snapshots() {
    let registry = block_workspace_tests::registry();
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let mut mismatches = Vec::new();
    for name in SNAPSHOT_BLOCKS {
        let block = registry.by_name(name).unwrap_or_else(|| panic!("{name} is not registered"));
        let forms = [
            ("input", block.input_schema()),
            ("output", block.output_schema()),
            ("input.wire", block.wire_input_schema()),
            ("output.wire", block.wire_output_schema()),
        ];
        for (which, schema) in forms {
            let path = directory.join(format!("{name}.{which}.json"));
            let rendered = serde_json::to_string_pretty(schema).expect("serializable") + "\n";
            if update {
                std::fs::create_dir_all(&directory).expect("create snapshots directory");
                std::fs::write(&path, &rendered).expect("write snapshot");
                continue;
            }
            // Text comparison: key order is part of the contract (declaration order).
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            if committed != rendered {
                mismatches.push(format!("{} differs from the rendered {which} schema:\n{rendered}", path.display()));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{}\n\nIf the change is deliberate, run `UPDATE_SNAPSHOTS=1 cargo test -p block-workspace-tests --test schemas` and review the diff.",
        mismatches.join("\n\n")
    );
}
