//! Data survives a restart on the same data directory.

use serde_json::json;

use crate::support::{Options, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_credentials_balances_and_webhooks_survive_a_restart() {
    let server = TestServer::start("restart").await;
    let client = server.client();
    let created = client
        .post(
            "/external-api/v1/integrations/example/credentials",
            &json!({"type": "api_key", "api_key": "kept-secret"}),
        )
        .await;
    let id = created.expect(201).json()["id"].as_str().expect("id").to_owned();
    client.post("/external-api/v1/blocks/PaidEchoBlock/execute", &json!({"text": "x"})).await.expect(200);
    client.post("/external-api/v1/triggers", &json!({"block_id": "ExampleTriggerBlock"})).await.expect(201);
    let (key, user) = (server.key.clone(), server.user_id.clone());
    let dir = server.stop().await;

    let again = TestServer::start_with("restart", Options { dir: Some(dir), ..Options::default() }).await;
    assert_eq!(again.user_id, user, "the same local user");
    let client = again.client().with_key(Some(&key));
    assert_eq!(client.get("/external-api/v1/me").await.expect(200).json()["id"], user.as_str());
    assert!(client.get("/external-api/v1/integrations/example/credentials").await.expect(200).text.contains(&id));
    assert_eq!(client.get("/external-api/v1/credits").await.expect(200).json()["balance"], 999);
    assert_eq!(client.get("/external-api/v1/webhooks").await.expect(200).json().as_array().map(Vec::len), Some(1));

    again.mock.push(
        block_core::http::Exchange::post("https://api.example.com/v1/resources")
            .header("authorization", "Bearer kept-secret")
            .respond_json(201, json!({"message": "still here"})),
    );
    let input = json!({"name": "Ada", "greetings": ["Hi"], "credentials": {"id": id, "provider": "example", "type": "api_key"}});
    let ran = client.post("/external-api/v1/blocks/ExampleBlock/execute", &input).await;
    assert_eq!(ran.expect(200).json()["greeting_count"], json!([1]), "the sealed key opens after the restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_directory_refuses_another_encryption_key() {
    let server = TestServer::start("wrong-key").await;
    let dir = server.stop().await;
    std::fs::write(dir.join(block_server::domain::KEY_FILE), "ab".repeat(32)).expect("the key file is replaced");
    let storage = std::sync::Arc::new(block_server::storage::SqliteStorage::open(&dir).expect("opens"));
    let (cipher, _) = block_server::domain::Cipher::load(None, &dir).expect("the new key loads");
    let registry = block_core::Registry::global().expect("valid");
    let built = block_server::AppState::builder(registry, storage, cipher).build().await;
    assert!(matches!(built, Err(block_server::services::StateError::WrongKey)));
}
