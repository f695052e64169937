//! The integrations routes of the reference, and the trigger and webhook routes
//! of our own, as a reference client calls them.

use std::sync::Arc;

use block_core::Block;
use block_core::http::{Exchange, HttpPolicy};
use block_core::oauth::{OAuthApp, OAuthHandlers, StandardOAuth2};
use block_examples::example::ExampleTriggerBlock;
use block_server::Settings;
use block_server::domain::now_unix;
use serde_json::{Value, json};

use super::{delete, detail, get, has_keys, keys, post};
use crate::support::{Options, TestServer};

const TOKEN_URL: &str = "http://127.0.0.1:9/login/oauth/access_token";
const CALLBACK: &str = "http://localhost:3000/integrations/callback";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_carry_the_reference_keys() {
    let server = TestServer::start("wire-providers").await;
    let providers = get(&server.client(), "/external-api/v1/integrations/providers").await.expect(200).json();
    let providers = providers.as_array().expect("a list");
    for provider in providers {
        has_keys(
            provider,
            &[
                "name",
                "supports_oauth",
                "supports_api_key",
                "supports_user_password",
                "supports_host_scoped",
                "default_scopes",
            ],
        );
        assert!(provider["default_scopes"].is_array(), "{provider}");
    }
    let named = |name: &str| providers.iter().find(|p| p["name"] == name).cloned().expect("listed");
    let (github, example) = (named("github"), named("example"));
    assert_eq!((&github["supports_oauth"], &example["supports_oauth"]), (&json!(true), &json!(false)));
    assert_eq!(example["supports_api_key"], true, "{example}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_created_listed_and_deleted_in_the_reference_shapes() {
    let server = TestServer::start("wire-credentials").await;
    let client = server.client();
    let path = "/external-api/v1/integrations/example/credentials";
    // The reference's input model carries the provider and an optional expiry.
    let body =
        json!({"type": "api_key", "provider": "example", "title": "Mine", "api_key": "sk-wire", "expires_at": null});
    let created = post(&client, path, &body).await;
    let meta = created.expect(201).json();
    assert_eq!(keys(&meta), ["id", "provider", "title", "type"], "{{id, provider, type, title}}: {meta}");
    assert_eq!(
        (&meta["provider"], &meta["type"], &meta["title"]),
        (&json!("example"), &json!("api_key"), &json!("Mine"))
    );
    let id = meta["id"].as_str().expect("an id").to_owned();

    for listing in ["/external-api/v1/integrations/credentials", path] {
        let listed = get(&client, listing).await.expect(200).json();
        let mine = listed.as_array().into_iter().flatten().find(|c| c["id"] == id.as_str()).expect("listed");
        has_keys(mine, &["id", "provider", "type", "title", "scopes", "username", "host"]);
        assert_eq!((&mine["scopes"], &mine["username"], &mine["host"]), (&Value::Null, &Value::Null, &Value::Null));
        assert!(!listed.to_string().contains("sk-wire"), "never the secret");
    }
    let nobody = get(&client, "/external-api/v1/integrations/no-such-provider/credentials").await;
    assert_eq!(nobody.expect(200).json(), json!([]), "an unknown provider has no credentials, as the reference says");

    let deleted = delete(&client, &format!("{path}/{id}")).await.expect(200).json();
    has_keys(&deleted, &["deleted", "credentials_id"]);
    assert_eq!((&deleted["deleted"], &deleted["credentials_id"]), (&json!(true), &json!(id)));
    detail(&delete(&client, &format!("{path}/{id}")).await, 404);
    detail(&post(&client, "/external-api/v1/integrations/nope/credentials", &body).await, 404);
    detail(&post(&client, path, &json!({"type": "api_key"})).await, 422);
    detail(&client.send_raw("POST", path, Some("application/json"), "{", &super::REFERENCE_HEADERS).await, 400);
}

async fn oauth_server() -> TestServer {
    let app = OAuthApp { provider: "github", client_id: "wire-app".into(), client_secret: "wire-secret".into() };
    let handler = StandardOAuth2::new(app, "http://127.0.0.1:9/login/oauth/authorize", TOKEN_URL, None);
    let oauth = OAuthHandlers::new().with("github", Arc::new(handler.expect("valid URLs")));
    let settings = Settings {
        rate_limit_per_minute: 0,
        oauth_callback_origins: vec!["http://localhost:3000".to_owned()],
        ..Settings::default()
    };
    let http_policy = HttpPolicy::default().trusted_origin("http://127.0.0.1:9").expect("an origin");
    TestServer::start_with("wire-oauth", Options { settings, oauth, http_policy, ..Options::default() }).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_initiate_and_complete_answer_the_reference_shapes() {
    let server = oauth_server().await;
    let client = server.client();
    let initiate = "/external-api/v1/integrations/github/oauth/initiate";
    let complete = "/external-api/v1/integrations/github/oauth/complete";
    let metadata = json!({"return_to": "/settings", "attempt": 1});
    let body = json!({"callback_url": CALLBACK, "scopes": ["repo"], "state_metadata": metadata});
    let started = post(&client, initiate, &body).await.expect(200).json();
    assert_eq!(keys(&started), ["expires_at", "login_url", "state_token"], "{started}");
    let expires_at = started["expires_at"].as_i64().expect("unix seconds");
    let now = now_unix();
    assert!(now < expires_at && expires_at <= now + 3600, "unix seconds, minutes ahead: {expires_at} (now {now})");
    let state_token = started["state_token"].as_str().expect("a state token").to_owned();

    server.mock.push(Exchange::post(TOKEN_URL).respond_json(400, json!({"error": "bad_verification_code"})));
    let refused = post(&client, complete, &json!({"code": "stale", "state_token": state_token})).await;
    assert!(detail(&refused, 400).contains("refused"), "a code the provider refuses: {}", refused.text);

    let started = post(&client, initiate, &body).await.expect(200).json();
    server.mock.push(Exchange::post(TOKEN_URL).respond_json(
        200,
        json!({"access_token": "gho_wire", "token_type": "bearer", "expires_in": 28800, "scope": "repo"}),
    ));
    let connected = post(&client, complete, &json!({"code": "good", "state_token": started["state_token"]})).await;
    let connected = connected.expect(200).json();
    assert_eq!(
        keys(&connected),
        ["credentials_id", "provider", "scopes", "state_metadata", "title", "type", "username"],
        "{connected}"
    );
    assert_eq!((&connected["provider"], &connected["type"]), (&json!("github"), &json!("oauth2")));
    assert_eq!((&connected["scopes"], &connected["state_metadata"]), (&json!(["repo"]), &metadata));
    assert!(!connected.to_string().contains("gho_wire"), "never the token");
    server.mock.verify().expect("one exchange each");

    let no_oauth = post(&client, "/external-api/v1/integrations/example/oauth/initiate", &body).await;
    detail(&no_oauth, 501);
    let code = json!({"code": "c", "state_token": "s"});
    detail(&post(&client, "/external-api/v1/integrations/example/oauth/complete", &code).await, 501);
    detail(&post(&client, "/external-api/v1/integrations/nope/oauth/initiate", &body).await, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_and_webhooks_are_listed_and_removed_with_detail_on_refusals() {
    let server = TestServer::start("wire-triggers").await;
    let client = server.client();
    let block_id = ExampleTriggerBlock::DESCRIPTOR.id;
    let created = post(&client, "/external-api/v1/triggers", &json!({"block_id": block_id})).await;
    let trigger = created.expect(201).json();
    has_keys(&trigger, &["id", "block_id", "events", "input", "webhook_id", "ingress_url", "webhook"]);
    assert_eq!((&trigger["block_id"], &trigger["webhook"]["kind"]), (&json!(block_id), &json!("manual")));
    assert!(trigger["webhook"]["secret"].is_string(), "the one answer that shows a manual webhook's secret");

    let listed = get(&client, "/external-api/v1/triggers").await.expect(200).json();
    assert_eq!(listed[0]["id"], trigger["id"]);
    assert!(listed[0]["webhook"].get("secret").is_none(), "lists never show it");
    let webhooks = get(&client, "/external-api/v1/webhooks").await.expect(200).json();
    assert_eq!((&webhooks[0]["id"], &webhooks[0]["subscriptions"]), (&trigger["webhook_id"], &json!(1)));

    let id = trigger["id"].as_str().expect("an id");
    assert_eq!(
        delete(&client, &format!("/external-api/v1/triggers/{id}")).await.expect(200).json(),
        json!({"deleted": true})
    );
    detail(&delete(&client, &format!("/external-api/v1/triggers/{id}")).await, 404);
    detail(&delete(&client, "/external-api/v1/webhooks/no-such-webhook").await, 404);
    detail(&post(&client, "/external-api/v1/triggers", &json!({"block_id": "CalculatorBlock"})).await, 422);
}
