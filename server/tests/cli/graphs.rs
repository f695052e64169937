//! `block-server graphs ...`, run as a user would run them: files checked and
//! run in the process, graphs saved in a data directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Finished {
    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-graphs").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory is created");
    dir
}

fn example(name: &str) -> String {
    format!("{}/../examples/graphs/{name}.json", env!("CARGO_MANIFEST_DIR"))
}

fn block_server_in(dir: &Path, args: &[&str]) -> Finished {
    let output = Command::new(env!("CARGO_BIN_EXE_block-server"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    Finished {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn validate_prints_every_problem_with_where_it_is() {
    let dir = scratch_dir("validate");
    let ok = block_server_in(&dir, &["graphs", "validate", &example("square_each_number")]);
    ok.assert_code(0);
    assert!(ok.stdout.contains("the graph is valid (4 nodes, 4 links)"), "{}", ok.stdout);
    let broken = json!({
        "name": "Broken",
        "nodes": [{"id": "a", "block_id": "no-such-block"}, {"id": "b", "block_id": "PaidEchoBlock"}],
        "links": [{"id": "l1", "source_id": "a", "source_name": "x", "sink_id": "ghost", "sink_name": "y"}],
    });
    std::fs::write(dir.join("broken.json"), broken.to_string()).expect("written");
    let refused = block_server_in(&dir, &["graphs", "validate", "broken.json"]);
    refused.assert_code(1);
    assert!(refused.stderr.contains("\n  - /nodes/0: node a: unknown block `no-such-block`"), "{}", refused.stderr);
    assert!(refused.stderr.contains("\n  - /links/0: "), "{}", refused.stderr);
}

#[test]
fn run_prints_node_events_as_they_happen_then_the_outputs() {
    let dir = scratch_dir("run");
    let run =
        block_server_in(&dir, &["graphs", "run", &example("square_each_number"), "--input", r#"{"numbers": [2, 3]}"#]);
    run.assert_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].ends_with("(AgentInputBlock) started"), "{}", run.stdout);
    assert_eq!(lines.iter().filter(|line| line.contains("(CalculatorBlock) started")).count(), 2);
    let outputs = run.stdout.split_once("outputs: ").expect("the outputs come last").1;
    let outputs: Value = serde_json::from_str(outputs).expect("the outputs are JSON");
    // The fanned-out node executions run at once: their results come in the order they finish.
    let mut squares: Vec<f64> =
        outputs["squares"].as_array().expect("a list of squares").iter().filter_map(Value::as_f64).collect();
    squares.sort_by(f64::total_cmp);
    assert_eq!(squares, [4.0, 9.0], "{outputs}");
    let missing = block_server_in(&dir, &["graphs", "run", &example("square_each_number")]);
    missing.assert_code(1);
    assert!(missing.stderr.contains("/node_input/numbers"), "{}", missing.stderr);
}

#[test]
fn graphs_are_saved_listed_shown_and_run_from_the_data_directory() {
    let dir = scratch_dir("saved");
    let created = block_server_in(&dir, &["graphs", "create", &example("is_it_big"), "--data-dir", "data"]);
    created.assert_code(0);
    let id = created.stdout.split_whitespace().nth(1).expect("the id is printed").to_owned();
    let listed = block_server_in(&dir, &["graphs", "list", "--data-dir", "data"]);
    listed.assert_code(0);
    assert!(listed.stdout.contains(&id) && listed.stdout.contains("Is it big?"), "{}", listed.stdout);
    let shown = block_server_in(&dir, &["graphs", "show", &id, "--data-dir", "data"]);
    shown.assert_code(0);
    let shown: Value = serde_json::from_str(&shown.stdout).expect("JSON");
    assert_eq!(shown["input_schema"]["required"], json!(["n"]));
    let run = block_server_in(&dir, &["graphs", "run", &id, "--input", r#"{"n": 3}"#, "--data-dir", "data"]);
    run.assert_code(0);
    assert!(run.stdout.contains(r#""small": ["#) && run.stdout.contains("3 is at most 10"), "{}", run.stdout);
    let unknown = block_server_in(&dir, &["graphs", "show", "nope", "--data-dir", "data"]);
    unknown.assert_code(1);
    assert!(unknown.stderr.contains("no graph `nope`"), "{}", unknown.stderr);
}
