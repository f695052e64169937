//! `block-server serve`, `keys` and `openapi`, run as a user would run them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve-cli").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory is created");
    dir
}

fn block_server(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_block-server"))
        .args(args)
        .current_dir(dir)
        .env_remove("BLOCKS_DATA_DIR")
        .env_remove("BLOCKS_ENCRYPTION_KEY")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn spawn_serve(dir: &Path) -> Child {
    spawn_serve_with(dir, &[])
}

fn spawn_serve_with(dir: &Path, envs: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_block-server"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .current_dir(dir)
        .env_remove("BLOCKS_DATA_DIR")
        .env_remove("BLOCKS_ENCRYPTION_KEY")
        .env("BLOCKS_LOG", "info")
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts")
}

/// Reads stderr until the server says where it listens; returns the address.
fn wait_for_address(child: &mut Child) -> String {
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut lines = BufReader::new(stderr).lines();
    for line in lines.by_ref() {
        let line = line.expect("a log line");
        if let Some(rest) = line.split("address=").nth(1) {
            let address = rest.split_whitespace().next().unwrap_or_default().to_owned();
            // Keep draining the log so the server never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return address;
        }
    }
    panic!("the server never said where it listens");
}

fn terminate(child: &mut Child) -> Option<i32> {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    child.wait().expect("the server exits").code()
}

fn get(url: &str, key: &str) -> (u16, String) {
    send(url, key, None)
}

/// GETs `url`, or POSTs `body` to it with `Prefer: respond-async`.
fn send(url: &str, key: &str, body: Option<&str>) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().expect("client");
        let request = match body {
            Some(body) => client.post(url).header("prefer", "respond-async").body(body.to_owned()),
            None => client.get(url),
        };
        let response = request.header("x-api-key", key).send().await.expect("the server answers");
        (response.status().as_u16(), response.text().await.expect("a body"))
    })
}

/// The API key the first start printed.
fn printed_key(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout is piped");
    let printed: Vec<String> =
        BufReader::new(stdout).lines().map_while(Result::ok).take_while(|line| !line.starts_with("API docs")).collect();
    let curl = printed.iter().find(|line| line.trim_start().starts_with("curl ")).expect("a curl line is printed");
    curl.split('"').nth(1).and_then(|header| header.strip_prefix("X-API-Key: ")).expect("the key header").to_owned()
}

#[test]
fn a_shutdown_past_its_grace_with_runs_under_way_exits_cleanly_and_the_runs_end_interrupted() {
    let dir = scratch_dir("grace");
    let mut child = spawn_serve_with(&dir, &[("BLOCKS_SHUTDOWN_GRACE_SECS", "1")]);
    let address = wait_for_address(&mut child);
    let key = printed_key(&mut child);
    let execute = format!("http://{address}/external-api/v1/blocks/DelayBlock/execute");
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (status, body) = send(&execute, &key, Some(r#"{"seconds": 60}"#));
        assert_eq!(status, 202, "{body}");
        ids.push(serde_json::from_str::<Value>(&body).expect("JSON")["id"].as_str().expect("an id").to_owned());
    }
    // Until they run: a queued run would simply wait for the next start.
    for id in &ids {
        let running = (0..100).any(|_| {
            let (_, body) = get(&format!("http://{address}/external-api/v1/runs/{id}"), &key);
            let running = body.contains(r#""status":"running""#);
            if !running {
                std::thread::sleep(Duration::from_millis(50));
            }
            running
        });
        assert!(running, "run {id} started");
    }
    assert_eq!(terminate(&mut child), Some(0), "the runs outlive the grace, and the server still exits cleanly");

    let mut again = spawn_serve(&dir);
    let address = wait_for_address(&mut again);
    for id in &ids {
        let (status, body) = get(&format!("http://{address}/external-api/v1/runs/{id}"), &key);
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(r#""status":"interrupted""#), "{body}");
    }
    assert_eq!(terminate(&mut again), Some(0));
}

#[test]
fn a_first_start_prints_a_key_and_a_curl_line_that_works_and_a_restart_keeps_them() {
    let dir = scratch_dir("first-start");
    let mut child = spawn_serve(&dir);
    let address = wait_for_address(&mut child);
    let stdout = child.stdout.take().expect("stdout is piped");
    let printed: Vec<String> =
        BufReader::new(stdout).lines().map_while(Result::ok).take_while(|line| !line.starts_with("API docs")).collect();
    let curl = printed.iter().find(|line| line.trim_start().starts_with("curl ")).expect("a curl line is printed");
    let key = curl.split('"').nth(1).and_then(|header| header.strip_prefix("X-API-Key: ")).expect("the key header");
    let url = curl.split_whitespace().last().expect("a URL");
    assert!(key.starts_with("blk_") && url == format!("http://{address}/external-api/v1/blocks"), "{curl}");
    let (status, body) = get(url, key);
    assert_eq!(status, 200, "{body}");
    assert!(serde_json::from_str::<Value>(&body).expect("JSON").as_array().is_some_and(|blocks| !blocks.is_empty()));
    assert_eq!(terminate(&mut child), Some(0), "SIGTERM is a clean shutdown");
    assert!(dir.join("data/blocks.sqlite3").exists() && dir.join("data/encryption.key").exists());

    let mut again = spawn_serve(&dir);
    let address = wait_for_address(&mut again);
    let (status, _) = get(&format!("http://{address}/external-api/v1/me"), key);
    assert_eq!(status, 200, "the first key still works");
    assert_eq!(terminate(&mut again), Some(0));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut again.stdout.take().expect("stdout"), &mut rest).expect("read");
    assert!(!rest.contains("blk_"), "a second start prints no key: {rest}");
}

#[test]
fn keys_are_created_listed_and_revoked_on_the_command_line() {
    let dir = scratch_dir("keys");
    let created = block_server(&dir, &["keys", "create", "--name", "ci", "--scopes", "read_block,EXECUTE_BLOCK"]);
    assert_eq!(created.status.code(), Some(0), "{created:?}");
    let key = stdout(&created);
    assert_eq!(key.lines().count(), 1, "only the key is printed: {key}");
    assert!(key.starts_with("blk_"));
    assert!(dir.join("data/blocks.sqlite3").exists(), "a fresh data directory is set up");

    let listed = stdout(&block_server(&dir, &["keys", "list"]));
    let line = listed.lines().find(|line| line.contains(" ci ")).unwrap_or_else(|| panic!("{listed}"));
    assert!(line.contains("active") && line.contains("EXECUTE_BLOCK,READ_BLOCK"), "{line}");
    assert!(!listed.contains(key.trim()), "lists never show a key");
    let id = line.split_whitespace().next().expect("an id");

    let revoked = block_server(&dir, &["keys", "revoke", id]);
    assert_eq!(revoked.status.code(), Some(0));
    assert!(stdout(&block_server(&dir, &["keys", "list"])).contains("revoked"));
    let resumed = block_server(&dir, &["keys", "resume", id]);
    assert_eq!(resumed.status.code(), Some(1), "a revoked key stays revoked");

    let unknown = block_server(&dir, &["keys", "create", "--name", "x", "--scopes", "READ_BLOCK,FLY"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown scope `FLY`"));
    let elsewhere = scratch_dir("keys-elsewhere");
    let other = block_server(&dir, &["keys", "list", "--data-dir", elsewhere.to_str().expect("utf-8")]);
    assert!(!stdout(&other).contains(" ci "), "--data-dir picks the directory");
}

#[test]
fn openapi_prints_the_document() {
    let dir = scratch_dir("openapi");
    let output = block_server(&dir, &["openapi", "--public-url", "https://blocks.example.com"]);
    assert_eq!(output.status.code(), Some(0));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["servers"][0]["url"], "https://blocks.example.com");
    assert!(document["paths"]["/external-api/v1/blocks/{id}/execute"]["post"].is_object());
}
