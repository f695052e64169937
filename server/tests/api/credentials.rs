//! Credentials over the API: created, listed, used by an execution, deleted; their
//! secrets never in a response and never in the database file in the clear.

use std::path::Path;

use block_core::credentials::{ApiKeyCredentials, CredentialsMeta, CredentialsType, StoredCredentials};
use block_core::http::Exchange;
use block_core::provider::platform_id;
use serde_json::{Value, json};

use crate::support::{Answer, Options, TestServer};

const CANARY: &str = "canary-sk-5f1d8e2a9c7b4e3f";
const PLATFORM_CANARY: &str = "platform-canary-0a9b8c7d";

fn platform_key() -> StoredCredentials {
    StoredCredentials::ApiKey(ApiKeyCredentials {
        meta: CredentialsMeta {
            id: platform_id("example", CredentialsType::ApiKey),
            provider: "example".into(),
            kind: CredentialsType::ApiKey,
            title: Some("Use credits for Example".into()),
        },
        api_key: PLATFORM_CANARY.into(),
        expires_at: None,
    })
}

fn greeting(key: &str) -> Exchange {
    Exchange::post("https://api.example.com/v1/resources")
        .header("authorization", &format!("Bearer {key}"))
        .json_body(json!({"name": "Hi, Ada!", "type": "greeting"}))
        .respond_json(201, json!({"message": "created"}))
}

fn files_contain(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the data directory is readable").flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        if bytes.windows(needle.len()).any(|window| window == needle) {
            hits.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_created_over_the_api_are_used_by_an_execution_and_never_shown() {
    let options = Options { platform: vec![platform_key()], ..Options::default() };
    let server = TestServer::start_with("credentials", options).await;
    let client = server.client();
    let mut answers: Vec<Answer> = Vec::new();

    let created = client
        .post(
            "/external-api/v1/integrations/example/credentials",
            &json!({"type": "api_key", "api_key": CANARY, "title": "Mine"}),
        )
        .await;
    created.expect(201);
    let meta = created.json();
    assert_eq!(meta["provider"], "example");
    assert_eq!(meta["type"], "api_key");
    assert_eq!(meta["title"], "Mine");
    let id = meta["id"].as_str().expect("an id").to_owned();
    answers.push(created);

    let all = client.get("/external-api/v1/integrations/credentials").await;
    let ids: Vec<String> = all
        .expect(200)
        .json()
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["id"].as_str().map(str::to_owned))
        .collect();
    assert!(ids.contains(&id) && ids.contains(&platform_id("example", CredentialsType::ApiKey)), "{ids:?}");
    answers.push(all);
    let mine = client.get("/external-api/v1/integrations/example/credentials").await;
    assert!(mine.expect(200).text.contains(&id));
    answers.push(mine);

    server.mock.push(greeting(CANARY));
    let input = json!({"name": "Ada", "greetings": ["Hi"], "is_funny": false, "credentials": meta});
    let ran = client.post("/external-api/v1/blocks/ExampleBlock/execute", &input).await;
    assert_eq!(
        ran.expect(200).json(),
        json!({
            "response": [{"message": "API response: created"}],
            "all_responses": [[{"message": "API response: created"}]],
            "greeting_count": [1]
        })
    );
    answers.push(ran);
    server.mock.verify().expect("the block sent the stored key");
    let balance = server.storage().balance(&server.user_id).await.expect("balance");
    assert_eq!(balance, 1000, "bring-your-own keys are free");

    let stranger = json!({"id": "someone-elses", "provider": "example", "type": "api_key"});
    let refused = client
        .post("/external-api/v1/blocks/ExampleBlock/execute", &json!({"name": "Ada", "credentials": stranger}))
        .await;
    assert_eq!(refused.expect(422).json()["error"]["details"]["problems"][0]["path"], "/credentials");
    answers.push(refused);

    server.mock.push(greeting(PLATFORM_CANARY));
    let platform_meta =
        json!({"id": platform_id("example", CredentialsType::ApiKey), "provider": "example", "type": "api_key"});
    let paid = client
        .post(
            "/external-api/v1/blocks/ExampleBlock/execute",
            &json!({"name": "Ada", "greetings": ["Hi"], "is_funny": false, "credentials": platform_meta}),
        )
        .await;
    paid.expect(200);
    answers.push(paid);
    assert_eq!(server.storage().balance(&server.user_id).await.expect("balance"), 999, "platform keys cost a credit");

    let platform = client
        .delete(&format!(
            "/external-api/v1/integrations/example/credentials/{}",
            platform_id("example", CredentialsType::ApiKey)
        ))
        .await;
    assert_eq!(platform.expect(403).code(), "platform_credentials");
    answers.push(platform);

    let wrong_provider = client.delete(&format!("/external-api/v1/integrations/github/credentials/{id}")).await;
    wrong_provider.expect(404);
    answers.push(wrong_provider);

    // Nothing holds the secret in the clear: not a response, not a database file.
    for answer in &answers {
        assert!(!answer.text.contains(CANARY) && !answer.text.contains(PLATFORM_CANARY), "{}", answer.text);
    }
    let hits = files_contain(&server.dir, CANARY.as_bytes());
    assert!(hits.is_empty(), "the secret is readable in {hits:?}");
    assert!(files_contain(&server.dir, PLATFORM_CANARY.as_bytes()).is_empty(), "platform keys are never stored");

    let deleted = client.delete(&format!("/external-api/v1/integrations/example/credentials/{id}")).await;
    assert_eq!(deleted.expect(200).json()["deleted"], true);
    client.delete(&format!("/external-api/v1/integrations/example/credentials/{id}")).await.expect(404);
    let after = client.get("/external-api/v1/integrations/example/credentials").await;
    assert!(!after.expect(200).text.contains(&id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credentials_body_is_discriminated_on_type_and_checked_against_the_provider() {
    let server = TestServer::start("credentials-kinds").await;
    let client = server.client();
    let path = "/external-api/v1/integrations/test_hosts/credentials";
    let basic = client.post(path, &json!({"type": "user_password", "username": "ada", "password": CANARY})).await;
    let meta = basic.expect(201).json();
    assert_eq!(meta["type"], "user_password");
    assert_eq!(meta["title"], "Test hosts user password");
    let scoped = client
        .post(path, &json!({"type": "host_scoped", "host": "*.example.com", "headers": {"X-Token": CANARY}}))
        .await;
    assert_eq!(scoped.expect(201).json()["type"], "host_scoped");
    let listed = client.get(path).await;
    assert_eq!(listed.expect(200).json().as_array().map(Vec::len), Some(2));
    let by_type = |kind: &str| listed.json().as_array().into_iter().flatten().find(|c| c["type"] == kind).cloned();
    let pair = by_type("user_password").expect("listed");
    // As the reference's lists: every item carries `scopes`, `username` and `host`,
    // null where they do not apply.
    assert_eq!((pair["username"].as_str(), pair.get("host")), (Some("ada"), Some(&Value::Null)), "{pair}");
    let headers = by_type("host_scoped").expect("listed");
    assert_eq!(
        (headers["host"].as_str(), headers.get("username")),
        (Some("*.example.com"), Some(&Value::Null)),
        "{headers}"
    );
    assert!(pair.get("password").is_none() && headers.get("headers").is_none(), "no secret part is listed");

    let unsupported = client.post(path, &json!({"type": "api_key", "api_key": CANARY})).await;
    assert_eq!(unsupported.expect(422).code(), "invalid_body");
    let oauth = client.post("/external-api/v1/integrations/example/credentials", &json!({"type": "oauth2"})).await;
    oauth.expect(422);
    let missing = client.post(path, &json!({"type": "user_password", "username": "ada", "password": 12345})).await;
    missing.expect(422);
    assert!(!missing.text.contains("12345"), "a malformed secret is not echoed: {}", missing.text);
    let unknown_type = client.post(path, &json!({"type": "ssh", "key": CANARY})).await;
    unknown_type.expect(422);
    let no_provider = client.post("/external-api/v1/integrations/nope/credentials", &json!({"type": "api_key"})).await;
    assert_eq!(no_provider.expect(404).code(), "provider_not_found");
    for answer in [&basic, &scoped, &listed, &unsupported, &unknown_type] {
        assert!(!answer.text.contains(CANARY), "{}", answer.text);
    }
    let _: Value = meta;
}
