//! The embedding service, served through the one call, lists and runs its own
//! blocks and nothing else.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// What `serve` prints, shared with the test.
#[derive(Clone, Default)]
struct Printed(Arc<Mutex<Vec<u8>>>);

impl Write for Printed {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Printed {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

/// The API key and URL of the first start's `curl` line.
fn key_and_url(printed: &str) -> Option<(String, String)> {
    let line = printed.lines().find(|line| line.contains("curl -H"))?;
    let key = line.split("X-API-Key: ").nth(1)?.split('"').next()?.to_owned();
    let url = line.split_whitespace().last()?.trim_end_matches("/external-api/v1/blocks").to_owned();
    Some((key, url))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_call_serves_only_the_services_own_blocks_and_providers() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("embedded-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = block_server::ServeConfig {
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: dir,
        ..block_server::ServeConfig::default()
    };
    let printed = Printed::default();
    let mut out = printed.clone();
    let registry = block_embedded_example::registry().expect("a valid registry");
    let server = tokio::spawn(async move { block_server::serve(config, registry, |_| None, &mut out).await });
    let started = Instant::now();
    let (key, url) = loop {
        if let Some(found) = key_and_url(&printed.text()) {
            break found;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the first start printed no key: {}", printed.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().no_proxy().build().expect("a client");
    let get = |path: &str| http.get(format!("{url}{path}")).header("X-API-Key", &key).send();

    let blocks: Value =
        serde_json::from_str(&get("/external-api/v1/blocks").await.expect("answered").text().await.expect("text"))
            .expect("JSON");
    let names: Vec<&str> =
        blocks.as_array().expect("a list").iter().filter_map(|block| block["name"].as_str()).collect();
    assert_eq!(names, ["ShoutBlock"], "only the service's own block");

    let providers: Value = serde_json::from_str(
        &get("/external-api/v1/integrations/providers").await.expect("answered").text().await.expect("text"),
    )
    .expect("JSON");
    assert_eq!(providers, json!([]), "a hand-built registry lists only its own providers");

    let run = http
        .post(format!("{url}/external-api/v1/blocks/ShoutBlock/execute"))
        .header("X-API-Key", &key)
        .body(json!({"text": "hi"}).to_string())
        .send()
        .await
        .expect("answered");
    assert_eq!(run.status().as_u16(), 200);
    let outputs: Value = serde_json::from_str(&run.text().await.expect("text")).expect("JSON");
    assert_eq!(outputs, json!({"shouted": ["HI!"]}));
    server.abort();
}
