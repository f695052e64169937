//! The store tools: finding agents, their details and setup needs, running
//! them for the caller and setting them up on a schedule, each answered with a
//! tool-response object (`type` and a readable `message`).

use std::time::Duration;

use block_server::domain::{RunKind, RunStatus};
use serde_json::{Value, json};

use crate::store::{GREET_EXAMPLE_API, IS_IT_BIG, create_graph, other_user, publish};
use crate::support::{Client, TestServer, eventually, runs_of};

async fn tool(client: &Client, name: &str, body: Value) -> Value {
    client.post(&format!("/external-api/v1/tools/{name}"), &body).await.expect(200).json()
}

/// A server whose local user published `is_it_big` as `local-user/is-it-big`.
async fn with_published_agent(name: &str) -> TestServer {
    let server = TestServer::start(name).await;
    let client = server.client();
    let graph = create_graph(&server, &server.user_id, IS_IT_BIG, "Is it big?").await;
    publish(
        &client,
        &graph,
        "is-it-big",
        json!({"name": "Is it big?", "description": "Says whether a number is big.", "categories": ["math"]}),
    )
    .await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_agent_answers_a_carousel_no_results_or_an_error() {
    let server = with_published_agent("tools-find").await;
    let client = server.client();
    let found = tool(&client, "find-agent", json!({"query": "number big"})).await;
    assert_eq!(found["type"], "agent_carousel");
    assert_eq!(found["message"], "Found 1 agent for 'number big'");
    assert_eq!(found["count"], 1);
    let agent = &found["agents"][0];
    assert_eq!(agent["id"], "local-user/is-it-big", "what the other tools take");
    assert_eq!(agent["source"], "marketplace");
    assert_eq!(agent["category"], "math");
    assert_eq!(agent["has_external_trigger"], false);

    let none = tool(&client, "find-agent", json!({"query": "spaceship"})).await;
    assert_eq!(none["type"], "no_results");
    assert!(none["message"].as_str().is_some_and(|text| text.contains("'spaceship'")), "{none}");
    assert!(none["suggestions"].as_array().is_some_and(|list| !list.is_empty()));
    let empty = tool(&client, "find-agent", json!({"query": "  "})).await;
    assert_eq!(
        (empty["type"].as_str(), empty["message"].as_str()),
        (Some("error"), Some("Please provide a search query"))
    );
    client.post("/external-api/v1/tools/find-agent", &json!({})).await.expect(422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_details_name_the_inputs_credentials_and_ways_to_start() {
    let server = with_published_agent("tools-details").await;
    let client = server.client();
    let details = tool(&client, "get-agent-details", json!({"username_agent_slug": "local-user/is-it-big"})).await;
    assert_eq!(details["type"], "agent_details");
    assert_eq!(details["message"], "Found agent 'Is it big?'");
    let agent = &details["agent"];
    assert_eq!(agent["inputs"]["required"], json!(["n"]));
    assert_eq!(agent["credentials"], json!([]));
    assert_eq!(agent["execution_options"], json!({"manual": true, "scheduled": true, "webhook": false}));
    assert_eq!(agent["stats"], json!({"runs": 0, "rating": 0.0}));
    assert_eq!(details["graph_id"], agent["id"]);

    let unknown = tool(&client, "get-agent-details", json!({"username_agent_slug": "local-user/nothing"})).await;
    assert_eq!(unknown["type"], "error");
    assert_eq!(unknown["error"], "agent_not_found");
    assert_eq!(unknown["message"], "Agent 'local-user/nothing' not found");
    let malformed = tool(&client, "get-agent-details", json!({"username_agent_slug": "is-it-big"})).await;
    assert_eq!(malformed["error"], "invalid_agent_slug");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_info_lists_missing_inputs_and_credentials_until_there_are_none() {
    let server = with_published_agent("tools-setup-info").await;
    let client = server.client();
    let info = tool(&client, "get-required-setup-info", json!({"username_agent_slug": "local-user/is-it-big"})).await;
    assert_eq!(info["type"], "setup_requirements");
    assert_eq!(info["message"], "Agent 'Is it big?' is not ready to run: it needs the inputs n");
    let readiness = &info["setup_info"]["user_readiness"];
    assert_eq!(readiness["missing_inputs"], json!(["n"]));
    assert_eq!(readiness["ready_to_run"], false);
    let inputs = &info["setup_info"]["requirements"]["inputs"];
    assert_eq!(inputs[0]["name"], "n");
    assert_eq!(inputs[0]["required"], true);

    let ready = tool(
        &client,
        "get-required-setup-info",
        json!({"username_agent_slug": "local-user/is-it-big", "inputs": {"n": 3}}),
    )
    .await;
    assert_eq!(ready["setup_info"]["user_readiness"]["ready_to_run"], true);
    assert_eq!(ready["message"], "Agent 'Is it big?' is ready to run with these inputs");

    let graph = create_graph(&server, &server.user_id, GREET_EXAMPLE_API, "Greeter").await;
    publish(&client, &graph, "greeter", json!({})).await;
    let (_, ada) = other_user(&server, "Ada").await;
    let lacking = tool(&ada, "get-required-setup-info", json!({"username_agent_slug": "local-user/greeter"})).await;
    let readiness = &lacking["setup_info"]["user_readiness"];
    assert_eq!(readiness["has_all_credentials"], false, "{lacking}");
    let key = readiness["missing_credentials"].as_object().and_then(|map| map.keys().next().cloned()).expect("a key");
    assert!(key.starts_with("example_"), "{key}");
    ada.post(
        "/external-api/v1/integrations/example/credentials",
        &json!({"type": "api_key", "title": "mine", "api_key": "example-secret-key"}),
    )
    .await
    .expect(201);
    let had = tool(&ada, "get-required-setup-info", json!({"username_agent_slug": "local-user/greeter"})).await;
    assert_eq!(had["setup_info"]["user_readiness"]["has_all_credentials"], true, "{had}");
    assert_eq!(had["setup_info"]["requirements"]["credentials"][0]["user_has"], true);
    assert!(!had.to_string().contains("example-secret-key"), "no secret in an answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_agent_queues_a_graph_run_for_the_caller_and_the_store_counts_it() {
    let server = with_published_agent("tools-run").await;
    let (ada_id, ada) = other_user(&server, "Ada").await;
    let lacking = tool(&ada, "run-agent", json!({"username_agent_slug": "local-user/is-it-big"})).await;
    assert_eq!(lacking["type"], "setup_requirements", "nothing runs without its inputs");
    assert_eq!(lacking["message"], "Agent 'Is it big?' cannot run yet: it needs the inputs n");

    let started =
        tool(&ada, "run-agent", json!({"username_agent_slug": "local-user/is-it-big", "inputs": {"n": 12}})).await;
    assert_eq!(started["type"], "execution_started", "{started}");
    assert_eq!(started["status"], "QUEUED");
    assert_eq!(started["graph_name"], "Is it big?");
    let run_id = started["execution_id"].as_str().expect("a run id").to_owned();
    assert!(started["message"].as_str().is_some_and(|text| text.contains(&run_id)));

    let runs = runs_of(server.storage().as_ref(), &ada_id, 100).await;
    let run = runs.iter().find(|run| run.id == run_id).expect("the run is Ada's");
    assert_eq!(run.kind, RunKind::Graph);
    assert_eq!(run.block_id, started["graph_id"].as_str().unwrap_or_default(), "a run of the store agent's graph");
    assert_eq!(run.source_ref.as_deref(), Some("store:local-user/is-it-big"));
    assert!(runs_of(server.storage().as_ref(), &server.user_id, 100).await.is_empty(), "nothing runs as the creator");
    let storage = server.storage().clone();
    let completed = eventually(Duration::from_secs(20), || {
        let (storage, ada_id, run_id) = (storage.clone(), ada_id.clone(), run_id.clone());
        async move {
            runs_of(storage.as_ref(), &ada_id, 100)
                .await
                .iter()
                .any(|run| run.id == run_id && run.status == RunStatus::Completed)
        }
    })
    .await;
    assert!(completed, "the graph runs to its end on the run engine");
    let results = ada
        .get(&format!(
            "/external-api/v1/graphs/{}/executions/{run_id}/results",
            started["graph_id"].as_str().unwrap_or("")
        ))
        .await;
    assert_eq!(results.expect(200).json()["output"], json!([{"big": "big"}]), "12 is big");
    let details = server.client().get("/external-api/v1/store/agents/local-user/is-it-big").await.expect(200).json();
    assert_eq!(details["runs"], 1, "the run counts for the store agent");
    let creator = server.client().get("/external-api/v1/store/creators/local-user").await.expect(200).json();
    assert_eq!(creator["agent_runs"], 1);
    let other = create_graph(&server, &server.user_id, IS_IT_BIG, "Other").await;
    publish(&server.client(), &other, "other", json!({})).await;
    let sorted = server.client().get("/external-api/v1/store/agents?sorted_by=runs").await.expect(200).json();
    let order: Vec<&str> =
        sorted["agents"].as_array().into_iter().flatten().filter_map(|a| a["slug"].as_str()).collect();
    assert_eq!(order, ["is-it-big", "other"], "most runs first, though `other` is newer");

    let unknown = tool(&ada, "run-agent", json!({"username_agent_slug": "nobody/nothing", "inputs": {}})).await;
    assert_eq!(unknown["type"], "error");
    let extra =
        tool(&ada, "run-agent", json!({"username_agent_slug": "local-user/is-it-big", "inputs": {"n": 1, "m": 2}}))
            .await;
    assert_eq!(extra["type"], "setup_requirements");
    assert_eq!(extra["setup_info"]["user_readiness"]["unknown_inputs"], json!(["m"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_agent_makes_a_real_schedule_of_the_store_agent() {
    let server = with_published_agent("tools-schedule").await;
    let (_, ada) = other_user(&server, "Ada").await;
    let made = tool(
        &ada,
        "setup-agent",
        json!({"username_agent_slug": "local-user/is-it-big", "setup_type": "schedule", "name": "Mornings",
               "cron": "0 9 * * 1-5", "timezone": "Europe/Paris", "inputs": {"n": 5}}),
    )
    .await;
    assert_eq!(made["type"], "schedule_created", "{made}");
    assert_eq!(made["cron"], "0 9 * * 1-5");
    assert_eq!(made["timezone"], "Europe/Paris");
    assert!(made["next_run"].as_str().is_some_and(|at| at.contains("T09:00:00+0")), "{made}");
    let schedules = ada.get("/external-api/v1/schedules").await.expect(200).json();
    assert_eq!(schedules[0]["id"], made["schedule_id"]);
    assert_eq!(schedules[0]["name"], "Mornings");
    let copy = made["graph_id"].as_str().expect("the graph the schedule runs").to_owned();
    assert_eq!(schedules[0]["target"]["graph_id"], json!(copy));
    let copied = ada.get(&format!("/external-api/v1/graphs/{copy}")).await.expect(200).json();
    assert_eq!(copied["name"], "Is it big?", "Ada's own copy of the store agent, in her graphs");

    let again = tool(
        &ada,
        "setup-agent",
        json!({"username_agent_slug": "local-user/is-it-big", "name": "Evenings", "cron": "0 18 * * *",
               "inputs": {"n": 50}}),
    )
    .await;
    assert_eq!(again["graph_id"], json!(copy), "one copy per user and store agent");
    assert_eq!(again["timezone"], "UTC", "the caller's time zone when none is named");
    let details = tool(&ada, "get-agent-details", json!({"username_agent_slug": "local-user/is-it-big"})).await;
    let original = (details["graph_id"].as_str().unwrap_or_default().to_owned(), 1);
    publish(&server.client(), &original, "is-it-big", json!({"name": "Is it big, v2?"})).await;
    let moved = tool(
        &ada,
        "setup-agent",
        json!({"username_agent_slug": "local-user/is-it-big", "name": "Nights", "cron": "0 23 * * *",
               "inputs": {"n": 7}}),
    )
    .await;
    assert_eq!(moved["graph_id"], json!(copy), "the same copy, moved on");
    let copied = ada.get(&format!("/external-api/v1/graphs/{copy}")).await.expect(200).json();
    assert_eq!((copied["version"].as_u64(), copied["name"].as_str()), (Some(2), Some("Is it big, v2?")));

    let version = copied["version"].as_u64().expect("a version");
    let queued =
        ada.post(&format!("/external-api/v1/graphs/{copy}/execute/{version}"), &json!({"node_input": {"n": 2}})).await;
    assert!(queued.status == 200 || queued.status == 201, "{}", queued.text);
    let runs = server.client().get("/external-api/v1/store/agents/local-user/is-it-big").await.expect(200).json();
    assert_eq!(runs["runs"], 1, "runs of a user's copy count for the store agent");

    let no_cron = tool(
        &ada,
        "setup-agent",
        json!({"username_agent_slug": "local-user/is-it-big", "name": "Never", "inputs": {"n": 5}}),
    )
    .await;
    assert_eq!(no_cron["type"], "validation_error");
    let bad_cron = tool(
        &ada,
        "setup-agent",
        json!({"username_agent_slug": "local-user/is-it-big", "name": "Bad", "cron": "every day", "inputs": {"n": 5}}),
    )
    .await;
    assert_eq!(bad_cron["type"], "validation_error", "{bad_cron}");
    let lacking = tool(
        &ada,
        "setup-agent",
        json!({"username_agent_slug": "local-user/is-it-big", "name": "Lacking", "cron": "0 9 * * *"}),
    )
    .await;
    assert_eq!(lacking["type"], "setup_requirements");
    let webhook = tool(
        &ada,
        "setup-agent",
        json!({"username_agent_slug": "local-user/is-it-big", "setup_type": "webhook", "name": "Hook",
               "inputs": {"n": 5}}),
    )
    .await;
    assert_eq!(webhook["type"], "error", "a graph without a trigger block takes no webhook: {webhook}");
    assert_eq!(webhook["error"], "no_webhook_trigger");
}
