//! The reference External API v1, route by route: requests shaped as a client
//! written for the reference platform sends them (`X-API-Key`, JSON bodies,
//! `Accept: */*`), and the answers such a client reads. Other files test what
//! the server does; this one states the wire contract in one place. Routes of
//! our own (credits, triggers, webhooks, streaming) follow the same rules.

mod integrations;

use block_server::Settings;
use block_server::api::{Access, routes};
use serde_json::{Value, json};

use crate::support::{Answer, Client, Options, TestServer, sse_events};

const CALCULATOR: &str = "470bd006-adb0-48de-a0d9-b3a7de19568b";

/// What a reference client sends beside its key.
const REFERENCE_HEADERS: [(&str, &str); 2] = [("accept", "*/*"), ("user-agent", "reference-client/1.0")];

async fn get(client: &Client, path: &str) -> Answer {
    client.send("GET", path, None, &REFERENCE_HEADERS).await
}

async fn post(client: &Client, path: &str, body: &Value) -> Answer {
    client.send("POST", path, Some(body), &REFERENCE_HEADERS).await
}

async fn delete(client: &Client, path: &str) -> Answer {
    client.send("DELETE", path, None, &REFERENCE_HEADERS).await
}

/// Asserts a reference error: `status`, and `detail` a non-empty string (what a
/// FastAPI client reads) beside the structured `error`. Returns the detail.
fn detail(answer: &Answer, status: u16) -> String {
    answer.expect(status);
    let detail = answer.json()["detail"].as_str().unwrap_or_default().to_owned();
    assert!(!detail.is_empty(), "`detail` is a string saying what went wrong: {}", answer.text);
    detail
}

/// The object's keys, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().into_iter().flatten().map(|(key, _)| key.as_str()).collect();
    keys.sort_unstable();
    keys
}

fn has_keys(value: &Value, wanted: &[&str]) {
    let present = keys(value);
    for key in wanted {
        assert!(present.contains(key), "`{key}` in {value}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_me_answers_id_name_email_and_timezone() {
    let server = TestServer::start("wire-me").await;
    let me = get(&server.client(), "/external-api/v1/me").await;
    let me = me.expect(200).json();
    assert_eq!(keys(&me), ["email", "id", "name", "timezone"], "exactly the reference's fields: {me}");
    assert_eq!(me["id"], server.user_id.as_str());
    assert!(me["timezone"].is_string() && me["email"].is_string() && me["name"].is_string(), "{me}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_blocks_lists_items_in_the_reference_shape() {
    let server = TestServer::start("wire-blocks").await;
    let client = server.client();
    let listed = get(&client, "/external-api/v1/blocks").await.expect(200).json();
    let blocks = listed.as_array().expect("a list");
    assert!(blocks.len() > 5, "every enabled block: {}", blocks.len());
    for block in blocks {
        has_keys(
            block,
            &[
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
            ],
        );
        let name = block["name"].as_str().expect("a name");
        assert_eq!(block["id"].as_str().map(str::len), Some(36), "{name}: a UUID");
        assert!(block["staticOutput"].is_boolean() && block["uiType"].is_string(), "{name}");
        for category in block["categories"].as_array().expect("categories") {
            assert_eq!(keys(category), ["category", "description"], "{name}: {category}");
        }
        for contributor in block["contributors"].as_array().expect("contributors") {
            has_keys(contributor, &["name"]);
        }
        for cost in block["costs"].as_array().expect("costs") {
            assert_eq!(keys(cost), ["cost_amount", "cost_filter", "cost_type"], "{name}: {cost}");
        }
        assert_eq!(block["inputSchema"]["type"], "object", "{name}");
        assert_eq!(block["outputSchema"]["properties"]["error"]["type"], "string", "{name}: every block has `error`");
    }
    let calculator = blocks.iter().find(|block| block["id"] == CALCULATOR).expect("the calculator is listed");
    let one = get(&client, &format!("/external-api/v1/blocks/{CALCULATOR}")).await;
    assert_eq!(one.expect(200).json(), *calculator, "one block is the same object as in the list");
    detail(&get(&client, "/external-api/v1/blocks/NoSuchBlock").await, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_answers_pin_lists_and_refuses_as_the_reference_does() {
    let server = TestServer::start("wire-execute").await;
    let client = server.client();
    let path = format!("/external-api/v1/blocks/{CALCULATOR}/execute");
    let ran = post(&client, &path, &json!({"operation": "multiply", "a": 6, "b": 7})).await;
    assert!(ran.expect(200).header("content-type").is_some_and(|t| t.starts_with("application/json")), "not a stream");
    assert_eq!(ran.json(), json!({"result": [42.0]}), "{{output_name: [values]}}");

    let nobody = "00000000-0000-4000-8000-000000000000";
    let unknown = post(&client, &format!("/external-api/v1/blocks/{nobody}/execute"), &json!({})).await;
    assert!(detail(&unknown, 404).contains(nobody), "names the block: {}", unknown.text);
    detail(&post(&client, "/external-api/v1/blocks/DisabledBlock/execute", &json!({"text": "x"})).await, 403);
    let invalid = post(&client, &path, &json!({"operation": "divide", "a": "one"})).await;
    detail(&invalid, 422);
    let problems = invalid.json()["error"]["details"]["problems"].clone();
    assert!(problems.as_array().is_some_and(|problems| problems.len() >= 2), "every problem: {problems}");

    let streamed = client
        .send("POST", &format!("{path}/stream"), Some(&json!({"operation": "add", "a": 1, "b": 2})), &REFERENCE_HEADERS)
        .await;
    assert_eq!(sse_events(&streamed.expect(200).text), vec![("result".to_owned(), json!(3.0))]);

    let settings = Settings { starting_credits: 0, rate_limit_per_minute: 0, ..Settings::default() };
    let broke = TestServer::start_with("wire-execute-broke", Options { settings, ..Options::default() }).await;
    let refused = post(&broke.client(), "/external-api/v1/blocks/PaidEchoBlock/execute", &json!({"text": "x"})).await;
    detail(&refused, 402);
    assert_eq!(refused.json()["error"]["details"]["balance"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_credits_answers_the_balance_and_its_ledger() {
    let server = TestServer::start("wire-credits").await;
    let client = server.client();
    post(&client, "/external-api/v1/blocks/PaidEchoBlock/execute", &json!({"text": "x"})).await.expect(200);
    let credits = get(&client, "/external-api/v1/credits").await.expect(200).json();
    assert_eq!(keys(&credits), ["balance", "ledger"]);
    assert_eq!(credits["balance"], 999);
    let charge = &credits["ledger"][0];
    has_keys(charge, &["id", "amount", "balance_after", "reason", "execution_id", "created_at"]);
    assert_eq!((&charge["amount"], &charge["balance_after"]), (&json!(-1), &json!(999)), "{charge}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_of_every_route_carries_detail_beside_error() {
    let server = TestServer::start("wire-refusals").await;
    let anonymous = server.client().with_key(None);
    let mut refused = 0;
    for route in routes().iter().filter(|route| matches!(route.access, Access::Scopes(_))) {
        let path = route
            .path
            .replace("{id}", CALCULATOR)
            .replace("{provider}", "example")
            .replace("{cred_id}", "c1")
            .replace("{webhook_id}", "w1")
            .replace("{subscription_id}", "s1");
        let body = json!({});
        let body = (route.method == reqwest::Method::POST).then_some(&body);
        let answer = anonymous.send(route.method.as_str(), &path, body, &REFERENCE_HEADERS).await;
        let said = detail(&answer, 401);
        assert_eq!(said, answer.json()["error"]["message"], "{} {}", route.verb(), route.path);
        refused += 1;
    }
    assert!(refused >= 17, "every authenticated route: {refused}");
    detail(&get(&server.client(), "/external-api/v1/nothing-here").await, 404);
    detail(&delete(&server.client(), "/external-api/v1/me").await, 405);
}
