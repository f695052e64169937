//! The `block-server` binary, run as a user would run it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

/// Every basic block, with its id.
const BASIC_BLOCKS: &[(&str, &str)] = &[
    ("CalculatorBlock", "470bd006-adb0-48de-a0d9-b3a7de19568b"),
    ("ConditionBlock", "5cbb1382-c0a0-4057-ab2d-079d0309931a"),
    ("CountItemsBlock", "1fc4cfc2-f95b-4749-8d11-965c7a31953a"),
    ("JsonPathBlock", "63e233e7-e9b4-4483-996e-74095a1bd1f2"),
    ("ListIteratorBlock", "ebe2dd5c-79b9-4ba2-ab55-15d191464e98"),
    ("RegexMatchBlock", "13fdb55d-a6bd-4e9c-96f8-1230952a37d9"),
    ("StoreValueBlock", "06b8ef9b-5319-4fac-ab6f-b154d8482f3e"),
    ("TextCaseBlock", "b9c7db99-e449-4c59-a3e4-1dcfe5d909ce"),
    ("TextTemplateBlock", "f56ac51d-0acb-4659-9dde-e72800a8c836"),
];

/// What a finished `block-server` process left behind.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }

    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

fn block_server(args: &[&str]) -> Run {
    with_stdin(args, "")
}

fn with_stdin(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_block-server"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin.as_bytes()).expect("stdin accepts the input");
    }
    Run::from(child.wait_with_output().expect("the binary finishes"))
}

fn run_block(block: &str, input: Value) -> Run {
    block_server(&["blocks", "run", block, "--input", &input.to_string()])
}

#[test]
fn list_shows_every_basic_block_with_its_id_categories_and_pins() {
    let run = block_server(&["blocks", "list"]);
    run.assert_code(0);
    for (name, id) in BASIC_BLOCKS {
        let line = run.stdout.lines().find(|line| line.starts_with(&format!("{name} "))).unwrap_or_else(|| {
            panic!("{name} is not listed:\n{}", run.stdout);
        });
        assert!(line.contains(id), "{line}");
    }
    let condition = run.stdout.lines().find(|line| line.starts_with("ConditionBlock ")).unwrap_or_default();
    assert!(condition.contains("LOGIC") && condition.contains("result, yes, no"), "{condition}");
    assert!(run.stdout.lines().next().is_some_and(|header| header.starts_with("NAME") && header.contains("ID")));
}

#[test]
fn list_json_has_the_reference_block_shape() {
    let run = block_server(&["blocks", "list", "--json"]);
    run.assert_code(0);
    let listing = run.json();
    let blocks = listing.as_array().expect("a JSON array");
    for (name, id) in BASIC_BLOCKS {
        let block = blocks.iter().find(|block| block["name"] == *name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(block["id"], *id);
        let keys: Vec<&str> = block.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        for key in [
            "id",
            "name",
            "description",
            "inputSchema",
            "outputSchema",
            "categories",
            "contributors",
            "staticOutput",
            "uiType",
            "costs",
        ] {
            assert!(keys.contains(&key), "{name} lacks `{key}`: {keys:?}");
        }
        assert_eq!(block["inputSchema"]["type"], "object", "{name}");
        assert_eq!(block["outputSchema"]["properties"]["error"]["type"], "string", "{name}");
        assert!(block["categories"][0]["category"].is_string(), "{name}");
        assert!(!block["description"].as_str().unwrap_or_default().is_empty(), "{name} has no description");
    }
    let store = blocks.iter().find(|block| block["name"] == "StoreValueBlock").expect("listed");
    assert_eq!(store["staticOutput"], true);
    let regex = blocks.iter().find(|block| block["name"] == "RegexMatchBlock").expect("listed");
    assert_eq!(regex["inputSchema"]["properties"]["case_sensitive"]["default"], true);
    assert_eq!(regex["inputSchema"]["properties"]["pattern"]["minLength"], 1);
}

#[test]
fn show_prints_one_block_by_name() {
    let run = block_server(&["blocks", "show", "JsonPathBlock"]);
    run.assert_code(0);
    let info = run.json();
    assert_eq!(info["name"], "JsonPathBlock");
    assert_eq!(info["inputSchema"]["required"], json!(["data", "path"]));
}

#[test]
fn runs_the_store_value_block() {
    let run = run_block("StoreValueBlock", json!({"input": "go", "data": {"kept": true}}));
    assert_eq!(run.assert_code(0).json(), json!({"output": [{"kept": true}]}));
}

#[test]
fn runs_the_text_template_block() {
    let run = run_block("TextTemplateBlock", json!({"format": "Hi {{name}}!", "values": {"name": "Ada"}}));
    assert_eq!(run.assert_code(0).json(), json!({"output": ["Hi Ada!"]}));
}

#[test]
fn runs_the_json_path_block() {
    let run = run_block("JsonPathBlock", json!({"data": {"a": [{"b": 7}]}, "path": "a[0].b"}));
    assert_eq!(run.assert_code(0).json(), json!({"value": [7]}));
}

#[test]
fn runs_the_calculator_block() {
    let run = run_block("CalculatorBlock", json!({"operation": "multiply", "a": 6, "b": 7}));
    let result = run.assert_code(0).json()["result"][0].as_f64();
    assert_eq!(result, Some(42.0));
}

#[test]
fn runs_the_regex_match_block() {
    let run = run_block("RegexMatchBlock", json!({"text": "a1b22", "pattern": "(\\d+)", "find_all": true}));
    assert_eq!(run.assert_code(0).json(), json!({"positive": ["1", "22"], "captures": [{"1": "1"}, {"1": "22"}]}));
    let miss = run_block("RegexMatchBlock", json!({"text": "abc", "pattern": "\\d"}));
    assert_eq!(miss.assert_code(0).json(), json!({"negative": ["abc"]}));
}

#[test]
fn runs_the_list_iterator_block() {
    let run = run_block("ListIteratorBlock", json!({"items": ["x", "y"]}));
    assert_eq!(run.assert_code(0).json(), json!({"item": ["x", "y"], "key": [0, 1]}));
}

#[test]
fn runs_the_condition_block() {
    let run = run_block("ConditionBlock", json!({"value1": 3, "operator": "<", "value2": 4, "yes_value": "smaller"}));
    assert_eq!(run.assert_code(0).json(), json!({"result": [true], "yes": ["smaller"]}));
}

#[test]
fn runs_the_count_items_and_text_case_blocks() {
    let count = run_block("CountItemsBlock", json!({"collection": {"a": 1, "b": 2}}));
    assert_eq!(count.assert_code(0).json(), json!({"count": [2]}));
    let case = run_block("TextCaseBlock", json!({"text": "shout", "case": "upper"}));
    assert_eq!(case.assert_code(0).json(), json!({"output": ["SHOUT"]}));
}

#[test]
fn runs_a_block_by_id() {
    let run = run_block("470bd006-adb0-48de-a0d9-b3a7de19568b", json!({"a": 1, "b": 2}));
    assert_eq!(run.assert_code(0).json()["result"][0].as_f64(), Some(3.0));
}

#[test]
fn reads_the_input_from_a_file() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-input-from-file.json");
    std::fs::write(&path, r#"{"items": [1]}"#).expect("the temporary file is written");
    let run = block_server(&["blocks", "run", "ListIteratorBlock", "--input", &format!("@{}", path.display())]);
    assert_eq!(run.assert_code(0).json(), json!({"item": [1], "key": [0]}));
}

#[test]
fn reads_the_input_from_stdin() {
    let run = with_stdin(&["blocks", "run", "CountItemsBlock", "--input", "-"], "{\"collection\": \"four\"}\n");
    assert_eq!(run.assert_code(0).json(), json!({"count": [4]}));
}

#[test]
fn invalid_input_exits_1_and_names_every_json_pointer() {
    let run = run_block("CalculatorBlock", json!({"operation": "sqrt", "a": "one", "b": 2}));
    run.assert_code(1);
    assert!(run.stderr.contains("invalid input for CalculatorBlock"), "{}", run.stderr);
    assert!(run.stderr.contains("/operation: "), "{}", run.stderr);
    assert!(run.stderr.contains("/a: "), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "nothing runs, so nothing is printed: {}", run.stdout);
}

#[test]
fn a_missing_required_field_is_reported_on_the_input() {
    let run = run_block("JsonPathBlock", json!({"data": {}}));
    run.assert_code(1);
    assert!(run.stderr.contains("\"path\" is a required property"), "{}", run.stderr);
}

#[test]
fn input_that_is_not_json_exits_1_and_points_at_the_error() {
    let run = block_server(&["blocks", "run", "CalculatorBlock", "--input", "{\"a\": 1, \"b\": two}"]);
    run.assert_code(1);
    assert!(run.stderr.contains("is not JSON"), "{}", run.stderr);
    // serde_json stops at the `w` of `two`, expecting `true`; the caret sits under it.
    assert!(run.stderr.contains("line 1 column 16"), "{}", run.stderr);
    assert!(run.stderr.ends_with(&format!("\n  {{\"a\": 1, \"b\": two}}\n  {}^\n", " ".repeat(15))), "{}", run.stderr);
}

#[test]
fn an_unreadable_input_file_exits_1() {
    let run = block_server(&["blocks", "run", "CalculatorBlock", "--input", "@/nonexistent/input.json"]);
    run.assert_code(1);
    assert!(run.stderr.contains("could not read the input from the file /nonexistent/input.json"), "{}", run.stderr);
}

#[test]
fn a_failed_run_prints_the_outputs_and_exits_1_with_the_error() {
    let run = run_block("CalculatorBlock", json!({"operation": "divide", "a": 1, "b": 0}));
    run.assert_code(1);
    assert_eq!(run.json(), json!({"error": ["cannot divide 1 by zero"]}));
    assert!(run.stderr.contains("error: CalculatorBlock failed: cannot divide 1 by zero"), "{}", run.stderr);
}

#[test]
fn outputs_before_a_failure_are_printed_too() {
    let run = run_block("TextTemplateBlock", json!({"format": "{{missing}}"}));
    run.assert_code(1);
    assert!(run.json()["error"][0].as_str().is_some_and(|e| e.contains("`missing`")), "{}", run.stdout);
}

#[test]
fn an_unknown_block_exits_1_and_suggests_close_names() {
    let run = run_block("CalculaterBlok", json!({}));
    run.assert_code(1);
    assert!(run.stderr.contains("no block has the id or name `CalculaterBlok`"), "{}", run.stderr);
    assert!(run.stderr.contains("did you mean `CalculatorBlock`?"), "{}", run.stderr);
    let far = run_block("Nothing-Like-It", json!({}));
    far.assert_code(1);
    assert!(far.stderr.contains("run `block-server blocks list`"), "{}", far.stderr);
}

#[test]
fn a_block_name_may_drop_its_suffix_and_case() {
    let run = run_block("textcase", json!({"text": "Quiet"}));
    assert_eq!(run.assert_code(0).json(), json!({"output": ["quiet"]}));
}

#[test]
fn usage_errors_exit_2() {
    block_server(&["blocks", "run"]).assert_code(2);
    block_server(&["blocks", "frobnicate"]).assert_code(2);
    block_server(&["blocks", "run", "CalculatorBlock", "--timeout", "0"]).assert_code(2);
}
