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

/// A key that must never be printed.
const CANARY_KEY: &str = "canary-key-5e1f0b7d9c";

/// A fresh, empty directory for one test.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory is created");
    dir
}

/// `block-server` run in `dir`, with `EXAMPLE_API_KEY` as given (unset for `None`).
fn block_server_in(dir: &std::path::Path, example_api_key: Option<&str>, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_block-server"));
    command.args(args).current_dir(dir).stdin(Stdio::null());
    match example_api_key {
        Some(key) => command.env("EXAMPLE_API_KEY", key),
        None => command.env_remove("EXAMPLE_API_KEY"),
    };
    Run::from(command.output().expect("the binary runs"))
}

impl Run {
    fn assert_never_shows(&self, secret: &str) -> &Self {
        assert!(!self.stdout.contains(secret), "stdout shows the secret:\n{}", self.stdout);
        assert!(!self.stderr.contains(secret), "stderr shows the secret:\n{}", self.stderr);
        self
    }

    /// The run got as far as sending the Example API request: with no network it
    /// fails to connect (or resolve), and with one the API answers.
    fn assert_reached_the_example_api(&self) -> &Self {
        self.assert_code(1);
        assert!(self.stderr.starts_with("error: ExampleBlock failed: the Example API "), "{}", self.stderr);
        let reached = ["could not connect", "dns", "resolve", "answered"].iter().any(|what| self.stderr.contains(what));
        assert!(reached, "{}", self.stderr);
        let errors = self.json()["error"].as_array().map_or(0, Vec::len);
        assert_eq!(errors, 1, "the outputs are printed, ending with the error: {}", self.stdout);
        self
    }
}

fn write_credentials(dir: &std::path::Path, content: &str) -> String {
    let path = dir.join("credentials.json");
    std::fs::write(&path, content).expect("the credentials file is written");
    path.display().to_string()
}

fn example_credentials(api_key: Value) -> String {
    json!({"credentials": {"id": "my-key", "provider": "example", "type": "api_key", "title": "Mine", "api_key": api_key}})
        .to_string()
}

fn platform_key_input() -> String {
    let id = block_core::provider::platform_id("example", block_core::credentials::CredentialsType::ApiKey);
    json!({"name": "Ada", "credentials": {"id": id, "provider": "example", "type": "api_key"}}).to_string()
}

#[test]
fn env_example_names_every_provider_variable() {
    let run = block_server(&["env-example"]);
    run.assert_code(0);
    assert!(run.stdout.starts_with("# "), "{}", run.stdout);
    assert!(run.stdout.contains("\n# Example (example)\n"), "{}", run.stdout);
    assert!(run.stdout.lines().any(|line| line == "EXAMPLE_API_KEY="), "{}", run.stdout);
}

#[test]
fn a_credentials_file_gets_the_example_block_to_the_transport_without_showing_the_key() {
    let dir = scratch_dir("credentials-file");
    let file = write_credentials(&dir, &example_credentials(json!(CANARY_KEY)));
    let args = ["blocks", "run", "ExampleBlock", "--credentials", &file, "--input", r#"{"name":"Ada"}"#];
    block_server_in(&dir, None, &args).assert_reached_the_example_api().assert_never_shows(CANARY_KEY);
}

#[test]
fn without_credentials_the_example_block_is_refused_before_it_runs() {
    let dir = scratch_dir("no-credentials");
    let run = block_server_in(&dir, None, &["blocks", "run", "ExampleBlock", "--input", r#"{"name":"Ada"}"#]);
    run.assert_code(1);
    assert!(run.stderr.contains("invalid input for ExampleBlock"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn a_credentials_file_that_is_not_json_is_named() {
    let dir = scratch_dir("credentials-not-json");
    let file = write_credentials(&dir, &format!("{{\"credentials\": {CANARY_KEY}}}"));
    let run = block_server_in(&dir, None, &["blocks", "run", "ExampleBlock", "--credentials", &file]);
    run.assert_code(1).assert_never_shows(CANARY_KEY);
    assert!(run.stderr.contains(&format!("error: the credentials file {file}: is not JSON")), "{}", run.stderr);
}

#[test]
fn credentials_without_their_secret_field_are_named() {
    let dir = scratch_dir("credentials-no-key");
    let file = write_credentials(&dir, r#"{"credentials": {"id": "k", "provider": "example", "type": "api_key"}}"#);
    let run = block_server_in(&dir, None, &["blocks", "run", "ExampleBlock", "--credentials", &file]);
    run.assert_code(1);
    assert!(run.stderr.contains(&format!("the credentials file {file}: field `credentials`")), "{}", run.stderr);
    assert!(run.stderr.contains("missing field `api_key`"), "{}", run.stderr);
}

#[test]
fn a_secret_of_the_wrong_type_is_reported_without_its_value() {
    let dir = scratch_dir("credentials-wrong-type");
    let file = write_credentials(&dir, &example_credentials(json!(987_654_321_012_u64)));
    let run = block_server_in(&dir, None, &["blocks", "run", "ExampleBlock", "--credentials", &file]);
    run.assert_code(1).assert_never_shows("987654321012");
    assert!(run.stderr.contains("field `credentials`: invalid credentials"), "{}", run.stderr);
}

#[test]
fn credentials_for_an_unknown_field_are_named() {
    let dir = scratch_dir("credentials-unknown-field");
    let file = write_credentials(
        &dir,
        &json!({"github_credentials": {"id": "k", "provider": "example", "type": "api_key", "api_key": CANARY_KEY}})
            .to_string(),
    );
    let run = block_server_in(&dir, None, &["blocks", "run", "ExampleBlock", "--credentials", &file]);
    run.assert_code(1).assert_never_shows(CANARY_KEY);
    assert!(
        run.stderr.contains("field `github_credentials`: ExampleBlock has no such credentials field"),
        "{}",
        run.stderr
    );
}

#[test]
fn credentials_of_another_provider_are_named() {
    let dir = scratch_dir("credentials-other-provider");
    let file = write_credentials(
        &dir,
        &json!({"credentials": {"id": "k", "provider": "acme", "type": "api_key", "api_key": CANARY_KEY}}).to_string(),
    );
    let run = block_server_in(&dir, None, &["blocks", "run", "ExampleBlock", "--credentials", &file]);
    run.assert_code(1).assert_never_shows(CANARY_KEY);
    assert!(run.stderr.contains("these are `acme` credentials; the field takes `example`"), "{}", run.stderr);
}

#[test]
fn the_platform_key_from_the_environment_gets_the_example_block_to_the_transport() {
    let dir = scratch_dir("platform-key-env");
    let run =
        block_server_in(&dir, Some(CANARY_KEY), &["blocks", "run", "ExampleBlock", "--input", &platform_key_input()]);
    run.assert_reached_the_example_api().assert_never_shows(CANARY_KEY);
}

#[test]
fn the_platform_key_can_come_from_a_dotenv_file() {
    let dir = scratch_dir("platform-key-dotenv");
    std::fs::write(dir.join(".env"), format!("# local settings\nexport EXAMPLE_API_KEY=\"{CANARY_KEY}\"\n"))
        .expect("the .env file is written");
    let run = block_server_in(&dir, None, &["blocks", "run", "ExampleBlock", "--input", &platform_key_input()]);
    run.assert_reached_the_example_api().assert_never_shows(CANARY_KEY);
}

#[test]
fn a_variable_set_in_the_process_wins_over_the_dotenv_file() {
    let dir = scratch_dir("platform-key-process-wins");
    std::fs::write(dir.join(".env"), format!("EXAMPLE_API_KEY={CANARY_KEY}\n")).expect("the .env file is written");
    // Set but empty: the file does not fill it in, and empty keys are ignored.
    let run = block_server_in(&dir, Some(""), &["blocks", "run", "ExampleBlock", "--input", &platform_key_input()]);
    run.assert_code(1).assert_never_shows(CANARY_KEY);
    assert!(run.stderr.contains("/credentials: no credentials with id"), "{}", run.stderr);
}

#[test]
fn a_malformed_dotenv_file_names_the_line_but_not_its_text() {
    let dir = scratch_dir("dotenv-malformed");
    std::fs::write(dir.join(".env"), format!("A=1\n{CANARY_KEY}\n")).expect("the .env file is written");
    let run = block_server_in(&dir, None, &["env-example"]);
    run.assert_code(1).assert_never_shows(CANARY_KEY);
    assert!(run.stderr.contains(".env line 2: expected `KEY=VALUE`"), "{}", run.stderr);
}

#[test]
fn outputs_never_show_a_secret_the_command_holds() {
    let dir = scratch_dir("outputs-redacted");
    let input =
        json!({"input": "go", "data": {"echo": CANARY_KEY, "quoted": format!("key={CANARY_KEY};")}}).to_string();
    let run = block_server_in(&dir, Some(CANARY_KEY), &["blocks", "run", "StoreValueBlock", "--input", &input]);
    run.assert_code(0).assert_never_shows(CANARY_KEY);
    assert_eq!(run.json(), json!({"output": [{"echo": "[redacted]", "quoted": "key=[redacted];"}]}));
}

#[test]
fn oauth_clients_are_created_listed_and_disabled_and_login_links_are_printed() {
    let dir = scratch_dir("oauth-clients");
    let created = block_server_in(
        &dir,
        None,
        &[
            "oauth-clients",
            "create",
            "--name",
            "My App",
            "--redirect-uri",
            "http://localhost:3000/callback",
            "--scopes",
            "IDENTITY,READ_BLOCK",
            "--data-dir",
            "data",
        ],
    );
    created.assert_code(0);
    let field = |name: &str| {
        created
            .stdout
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {name}: {}", created.stdout))
            .to_owned()
    };
    let (id, secret) = (field("client_id:"), field("client_secret:"));
    assert!(id.starts_with("bci_") && secret.starts_with("bcs_"), "{}", created.stdout);

    let listed = block_server_in(&dir, None, &["oauth-clients", "list", "--data-dir", "data"]);
    listed.assert_code(0).assert_never_shows(&secret);
    assert!(listed.stdout.contains(&id) && listed.stdout.contains("IDENTITY,READ_BLOCK"), "{}", listed.stdout);
    assert!(listed.stdout.contains("active"), "{}", listed.stdout);

    block_server_in(&dir, None, &["oauth-clients", "disable", &id, "--data-dir", "data"]).assert_code(0);
    let listed = block_server_in(&dir, None, &["oauth-clients", "list", "--data-dir", "data"]);
    assert!(listed.stdout.contains("disabled"), "{}", listed.stdout);
    let unknown = block_server_in(&dir, None, &["oauth-clients", "disable", "bci_nobody", "--data-dir", "data"]);
    assert!(unknown.assert_code(1).stderr.contains("oauth-clients list"), "{}", unknown.stderr);

    let bad = block_server_in(
        &dir,
        None,
        &["oauth-clients", "create", "--name", "x", "--redirect-uri", "not a url", "--data-dir", "data"],
    );
    assert!(bad.assert_code(1).stderr.contains("redirect URI"), "{}", bad.stderr);

    let link =
        block_server_in(&dir, None, &["login-link", "--data-dir", "data", "--public-url", "http://127.0.0.1:8123"]);
    assert!(link.assert_code(0).stdout.trim().starts_with("http://127.0.0.1:8123/login?token=bll_"), "{}", link.stdout);
}
