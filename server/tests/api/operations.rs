//! Health, body limits, graceful shutdown.

use std::time::Duration;

use block_server::Settings;
use serde_json::json;

use crate::support::{Options, TestServer, http_client};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_without_credentials() {
    let server = TestServer::start("health").await;
    let answer = server.client().with_key(None).get("/healthz").await;
    assert_eq!(answer.expect(200).json(), json!({"status": "ok"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_get_413_in_the_error_shape() {
    let settings = Settings { max_body_bytes: 1024, rate_limit_per_minute: 0, ..Settings::default() };
    let server = TestServer::start_with("body-limit", Options { settings, ..Options::default() }).await;
    let big = json!({"items": vec!["x".repeat(100); 20]});
    let answer = server.client().post("/external-api/v1/blocks/ListIteratorBlock/execute", &big).await;
    assert_eq!(answer.expect(413).code(), "payload_too_large");
    // Webhook deliveries are held to their provider's limit, not the API's: the
    // Example provider sends at most 1 MiB (GitHub, 25 MB).
    let ingress = server.client().with_key(None).post("/api/integrations/example/webhooks/x/ingress", &big).await;
    assert_eq!(ingress.expect(404).code(), "webhook_not_found", "under the provider's limit: looked up");
    let huge = json!({"items": vec!["x".repeat(1000); 1100]});
    let ingress = server.client().with_key(None).post("/api/integrations/example/webhooks/x/ingress", &huge).await;
    assert_eq!(ingress.expect(413).code(), "payload_too_large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_a_running_execution_finish_and_refuses_new_connections() {
    let mut server = TestServer::start("shutdown").await;
    let client = server.client();
    // The document every answer is checked against is fetched now, so that the
    // request below goes out at once.
    client.contract().await;
    let running = tokio::spawn({
        let client = client.clone();
        async move { client.post("/external-api/v1/blocks/SlowBlock/execute", &json!({"millis": 600})).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.trigger_shutdown();
    let answer = running.await.expect("the request task ends");
    assert_eq!(answer.expect(200).json(), json!({"done": [600]}), "the run finished after the signal");
    let url = server.url.clone();
    server.stop().await;
    assert!(http_client().get(format!("{url}/healthz")).send().await.is_err(), "nothing listens any more");
}
