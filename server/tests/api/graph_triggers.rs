//! Webhook triggers that start graphs: a GitHub pull request delivery, signed as
//! GitHub signs it, runs a graph from its trigger node to its end; a redelivery
//! or a bad signature runs nothing; a store agent set up on a webhook with
//! `setup-agent` runs for the caller on the next delivery.

use std::time::Duration;

use block_core::http::Exchange;
use block_core::webhooks::{Webhook, WebhookManager, WebhookStore};
use block_providers::github::GithubWebhookManager;
use block_providers::github::fixtures::PULL_REQUEST_OPENED;
use block_server::Settings;
use block_server::domain::{Run, RunKind, RunStatus};
use serde_json::{Value, json};

use crate::store::{create_graph, other_user, publish};
use crate::support::{Answer, Client, Options, TestServer, eventually, header_pairs, runs_of};

const PULL_REQUEST_TRIGGER: &str = "f782e627-c286-448b-be0c-bc99f284ec4f";
const PAID_ECHO: &str = "91c50624-c3e3-42fb-9326-613c5a012425";
const OUTPUT: &str = "bce1541f-d88b-4501-b333-22921a6b027d";
const HOOKS: &str = "https://api.github.com/repos/Codertocat/Hello-World/hooks";
const PULL_REQUEST_URL: &str = "https://github.com/Codertocat/Hello-World/pull/2";

fn node(id: &str, block: &str, preset: Value) -> Value {
    json!({"id": id, "block_id": block, "input_default": preset, "metadata": {}})
}

fn link(source: &str, pin: &str, sink: &str, field: &str) -> Value {
    json!({"id": format!("{source}-{sink}"), "source_id": source, "source_name": pin, "sink_id": sink, "sink_name": field})
}

/// Opened pull request -> its URL echoed (one paid node) -> the graph's `url`.
fn pull_request_agent() -> Value {
    json!({
        "name": "Pull request echo",
        "nodes": [
            node("trigger", PULL_REQUEST_TRIGGER, json!({"repo": "Codertocat/Hello-World", "events": {"opened": true}})),
            node("echo", PAID_ECHO, json!({})),
            node("out", OUTPUT, json!({"name": "url"})),
        ],
        "links": [link("trigger", "pull_request_url", "echo", "text"), link("echo", "echo", "out", "value")],
    })
}

async fn github_credentials(client: &Client) -> Value {
    let created = client
        .post("/external-api/v1/integrations/github/credentials", &json!({"type": "api_key", "api_key": "ghp_test"}))
        .await;
    created.expect(201).json()
}

/// The stored webhook `id`, as GitHub knows it (URL and secret registered).
async fn webhook(server: &TestServer, id: &str) -> Webhook {
    server.state.webhook_store().webhook(id).await.expect("the store answers").expect("the webhook is kept")
}

/// Posts a delivery to the ingress as GitHub does: no key, its own headers.
async fn deliver(client: &Client, webhook: &Webhook, body: &str, signed: &http::HeaderMap) -> Answer {
    let path = format!("/api/integrations/github/webhooks/{}/ingress", webhook.id);
    client.with_key(None).send_raw("POST", &path, None, body, &header_pairs(signed)).await
}

async fn graph_runs(server: &TestServer, user_id: &str) -> Vec<Run> {
    runs_of(server.storage().as_ref(), user_id, 100)
        .await
        .into_iter()
        .filter(|run| run.kind == RunKind::Graph)
        .collect()
}

/// Waits for `user_id`'s graph run `run_id` to end; its record.
async fn ended(server: &TestServer, user_id: &str, run_id: &str) -> Run {
    let storage = server.storage().clone();
    let done = eventually(Duration::from_secs(20), || {
        let (storage, user_id, run_id) = (storage.clone(), user_id.to_owned(), run_id.to_owned());
        async move {
            runs_of(storage.as_ref(), &user_id, 100)
                .await
                .iter()
                .any(|run| run.id == run_id && !matches!(run.status, RunStatus::Queued | RunStatus::Running))
        }
    })
    .await;
    assert!(done, "the graph run ends");
    let runs = runs_of(server.storage().as_ref(), user_id, 100).await;
    runs.into_iter().find(|run| run.id == run_id).expect("the run")
}

/// The trigger node's output reached the echo node and the graph's output.
fn assert_ran_from_the_trigger(results: &Value) {
    assert_eq!(results["status"], "COMPLETED", "{results}");
    let nodes = results["nodes"].as_array().expect("node executions");
    let of = |id: &str| nodes.iter().find(|node| node["node_id"] == id).unwrap_or_else(|| panic!("{id}: {results}"));
    assert_eq!(of("trigger")["output"]["pull_request_url"], json!([PULL_REQUEST_URL]));
    assert_eq!(of("trigger")["output"]["number"], json!([2]));
    assert_eq!(of("echo")["input"]["text"], PULL_REQUEST_URL, "the trigger's pin fed the downstream node");
    assert_eq!(of("echo")["output"]["echo"], json!([PULL_REQUEST_URL]));
    assert_eq!(results["output"], json!([{"url": PULL_REQUEST_URL}]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_github_delivery_runs_the_graph_from_its_trigger_node_once() {
    let settings = Settings { starting_credits: 10, rate_limit_per_minute: 0, ..Settings::default() };
    let server = TestServer::start_with("graph-triggers", Options { settings, ..Options::default() }).await;
    let client = server.client();
    let meta = github_credentials(&client).await;
    let saved = client.post("/external-api/v1/graphs", &pull_request_agent()).await;
    let graph = saved.expect(200).json();
    let (graph_id, version) = (graph["id"].as_str().expect("an id").to_owned(), graph["version"].clone());
    let key = graph["credentials_input_schema"]["properties"]
        .as_object()
        .and_then(|properties| properties.keys().next().cloned())
        .expect("the trigger node's credentials are a graph credentials input");

    let refused = client.post(&format!("/external-api/v1/graphs/{graph_id}/execute/{version}"), &json!({})).await;
    assert_eq!(refused.expect(422).code(), "invalid_graph", "no payload, no run: {}", refused.text);
    assert!(refused.text.contains("node trigger (GithubPullRequestTriggerBlock) is a webhook trigger"));

    server.mock.push(
        Exchange::post(HOOKS)
            .header("authorization", "Bearer ghp_test")
            .body_matches(|body| {
                serde_json::from_slice::<Value>(body).is_ok_and(|hook| {
                    hook["events"] == json!(["pull_request"])
                        && hook["config"]["url"].as_str().is_some_and(|url| url.contains("/api/integrations/github/"))
                })
            })
            .respond_json(201, json!({"id": 4242})),
    );
    let mut credentials_inputs = serde_json::Map::new();
    credentials_inputs.insert(key, meta);
    let body = json!({"graph_version": version, "credentials_inputs": credentials_inputs,
                      "resource": "Codertocat/Hello-World"});
    let created = client.post(&format!("/external-api/v1/graphs/{graph_id}/triggers"), &body).await;
    let trigger = created.expect(201).json();
    server.mock.verify().expect("the hook is registered at GitHub once");
    assert_eq!(trigger["graph"], json!({"graph_id": graph_id, "graph_version": version, "node_id": "trigger"}));
    assert_eq!(trigger["block_id"], PULL_REQUEST_TRIGGER);
    assert_eq!(trigger["events"], json!(["pull_request.opened"]));
    assert_eq!(trigger["webhook"]["kind"], "auto");
    assert!(trigger["webhook"].get("secret").is_none(), "an auto webhook's secret stays with the server");
    let listed = client.get("/external-api/v1/triggers").await.expect(200).json();
    assert_eq!(listed[0]["graph"], trigger["graph"], "listed with its target");

    let hook = webhook(&server, trigger["webhook_id"].as_str().expect("a webhook id")).await;
    let signed = GithubWebhookManager.sign_delivery(&hook, "pull_request", PULL_REQUEST_OPENED.as_bytes());
    let before = client.get("/external-api/v1/credits").await.json()["balance"].clone();
    let delivered = deliver(&client, &hook, PULL_REQUEST_OPENED, &signed).await;
    assert_eq!(delivered.expect(200).json(), json!({"received": true, "queued": 1}), "answered at once");
    let runs = graph_runs(&server, &server.user_id).await;
    assert_eq!(runs.len(), 1, "one graph run queued");
    let run = ended(&server, &server.user_id, &runs[0].id).await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.block_id, graph_id);
    let results = client.get(&format!("/external-api/v1/graphs/{graph_id}/executions/{}/results", run.id)).await;
    assert_ran_from_the_trigger(&results.expect(200).json());
    let after = client.get("/external-api/v1/credits").await.json()["balance"].clone();
    assert_eq!(before.as_i64().map(|b| b - 1), after.as_i64(), "charged per node: the echo's credit");

    let again = deliver(&client, &hook, PULL_REQUEST_OPENED, &signed).await;
    assert_eq!(again.expect(200).json(), json!({"received": true, "duplicate": true}), "a redelivery runs nothing");
    let tampered = PULL_REQUEST_OPENED.replace("Hello-World/pull/2", "Hello-World/pull/3");
    let forged = deliver(&client, &hook, &tampered, &signed).await;
    assert_eq!(forged.expect(403).code(), "bad_signature");
    assert_eq!(graph_runs(&server, &server.user_id).await.len(), 1, "nothing else ran");

    server.mock.push(Exchange::delete(&format!("{HOOKS}/4242")).respond(204));
    let id = trigger["id"].as_str().expect("an id");
    client.delete(&format!("/external-api/v1/triggers/{id}")).await.expect(200);
    server.mock.verify().expect("the hook is removed with its last trigger");
    assert_eq!(client.get("/external-api/v1/triggers").await.expect(200).json(), json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graph_trigger_needs_exactly_one_trigger_node_and_inputs_that_fit() {
    let server = TestServer::start("graph-triggers-refused").await;
    let client = server.client();
    let meta = github_credentials(&client).await;
    let save = |graph: Value| {
        let client = client.clone();
        async move {
            let saved = client.post("/external-api/v1/graphs", &graph).await;
            saved.expect(200).json()["id"].as_str().expect("an id").to_owned()
        }
    };
    let subscribe = |id: String, body: Value| {
        let client = client.clone();
        async move { client.post(&format!("/external-api/v1/graphs/{id}/triggers"), &body).await }
    };

    let mut twice = pull_request_agent();
    twice["nodes"].as_array_mut().expect("nodes").push(node(
        "second",
        PULL_REQUEST_TRIGGER,
        json!({"repo": "Codertocat/Hello-World", "events": {"closed": true}}),
    ));
    let twice = save(twice).await;
    let answer = subscribe(twice, json!({"graph_version": 1, "resource": "Codertocat/Hello-World"})).await;
    assert_eq!(answer.expect(422).code(), "several_trigger_nodes");
    assert!(answer.text.contains("nodes trigger, second"), "{}", answer.text);

    let plain =
        json!({"name": "No trigger", "nodes": [node("out", OUTPUT, json!({"name": "x", "value": 1}))], "links": []});
    let plain = save(plain).await;
    assert_eq!(subscribe(plain, json!({"graph_version": 1})).await.expect(422).code(), "no_trigger_node");

    let agent = save(pull_request_agent()).await;
    subscribe(agent.clone(), json!({"graph_version": 9})).await.expect(404);
    subscribe("no-such-graph".into(), json!({"graph_version": 1})).await.expect(404);
    let preset = json!({"graph_version": 1, "input": {"payload": {}}, "resource": "Codertocat/Hello-World"});
    let payload = subscribe(agent.clone(), preset).await;
    assert!(payload.expect(422).text.contains("cannot be preset"), "{}", payload.text);
    let uncredentialed =
        subscribe(agent.clone(), json!({"graph_version": 1, "resource": "Codertocat/Hello-World"})).await;
    assert_eq!(uncredentialed.expect(422).code(), "invalid_input", "the trigger node has no credentials");
    let unknown = json!({"graph_version": 1, "input": {"credentials": meta}, "node_input": {"nope": 1},
                         "resource": "Codertocat/Hello-World"});
    let answer = subscribe(agent, unknown).await;
    assert_eq!(answer.expect(422).code(), "invalid_graph", "a delivery's run would be refused: {}", answer.text);
    assert!(server.mock.verify().is_ok(), "nothing was registered at GitHub");
    assert_eq!(client.get("/external-api/v1/webhooks").await.expect(200).json(), json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_agent_webhook_then_a_delivery_runs_the_store_agent_for_the_caller() {
    let server = TestServer::start("graph-triggers-setup").await;
    let agent = serde_json::to_string(&pull_request_agent()).expect("JSON");
    let graph = create_graph(&server, &server.user_id, &agent, "Pull request echo").await;
    publish(&server.client(), &graph, "pr-echo", json!({"name": "Pull request echo"})).await;
    let (ada_id, ada) = other_user(&server, "Ada").await;
    let setup = |config: Value| {
        let ada = ada.clone();
        async move {
            let body = json!({"username_agent_slug": "local-user/pr-echo", "setup_type": "webhook",
                              "name": "My pull requests", "webhook_config": config});
            ada.post("/external-api/v1/tools/setup-agent", &body).await.expect(200).json()
        }
    };
    let wrong = setup(json!({"resource": 5})).await;
    assert_eq!(wrong["type"], "validation_error", "{wrong}");
    assert_eq!(wrong["details"]["problems"][0]["path"], "/webhook_config/resource");
    let config = json!({"resource": "ada/site", "repo": "ada/site", "events": {"opened": true}});
    let lacking = setup(config.clone()).await;
    assert_eq!(lacking["type"], "setup_requirements", "no GitHub credentials yet: {lacking}");

    let meta = github_credentials(&ada).await;
    server.mock.push(
        Exchange::post("https://api.github.com/repos/ada/site/hooks")
            .header("authorization", "Bearer ghp_test")
            .respond_json(201, json!({"id": 77})),
    );
    let made = setup(config).await;
    assert_eq!(made["type"], "webhook_created", "{made}");
    server.mock.verify().expect("registered with Ada's credentials on her repository");
    let url = made["webhook_url"].as_str().expect("the ingress URL");
    assert!(url.starts_with(&format!("{}/api/integrations/github/webhooks/", server.url)), "{url}");
    assert!(made["message"].as_str().is_some_and(|text| text.contains(url)));
    assert_eq!(made["name"], "My pull requests");
    let copy = made["graph_id"].as_str().expect("Ada's copy").to_owned();
    assert_ne!(copy, graph.0, "Ada's own copy of the store agent runs");
    let hook = webhook(&server, made["webhook_id"].as_str().expect("a webhook id")).await;
    assert!(!made.to_string().contains(block_core::ExposeSecret::expose_secret(&hook.secret)), "no secret");
    let triggers = ada.get("/external-api/v1/triggers").await.expect(200).json();
    assert_eq!(triggers[0]["id"], made["preset_id"]);
    assert_eq!(triggers[0]["input"]["repo"], "ada/site", "webhook_config over the node's preset");
    assert_eq!(triggers[0]["input"]["credentials"]["id"], meta["id"]);

    let signed = GithubWebhookManager.sign_delivery(&hook, "pull_request", PULL_REQUEST_OPENED.as_bytes());
    let delivered = deliver(&ada, &hook, PULL_REQUEST_OPENED, &signed).await;
    assert_eq!(delivered.expect(200).json(), json!({"received": true, "queued": 1}));
    let runs = graph_runs(&server, &ada_id).await;
    assert_eq!(runs.len(), 1, "the run is Ada's");
    assert_eq!(runs[0].block_id, copy);
    let run = ended(&server, &ada_id, &runs[0].id).await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    let results = ada.get(&format!("/external-api/v1/graphs/{copy}/executions/{}/results", run.id)).await;
    assert_ran_from_the_trigger(&results.expect(200).json());
    assert!(runs_of(server.storage().as_ref(), &server.user_id, 100).await.is_empty(), "nothing runs as the creator");

    let scheduled = ada
        .post(
            "/external-api/v1/tools/setup-agent",
            &json!({"username_agent_slug": "local-user/pr-echo", "name": "Daily", "cron": "0 9 * * *"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(scheduled["error"], "webhook_agent", "a webhook starts it, not a schedule: {scheduled}");

    server.mock.push(Exchange::delete("https://api.github.com/repos/ada/site/hooks/77").respond(204));
    ada.delete(&format!("/external-api/v1/graphs/{copy}")).await.expect(200);
    server.mock.verify().expect("deleting the graph removed its trigger and deregistered the hook");
    assert_eq!(ada.get("/external-api/v1/triggers").await.expect(200).json(), json!([]));
    assert_eq!(ada.get("/external-api/v1/webhooks").await.expect(200).json(), json!([]));
}
