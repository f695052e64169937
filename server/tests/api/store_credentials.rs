//! A published graph whose node presets its creator's credentials: the store
//! serves it, and other users run it, without the creator's credentials id;
//! another user's run uses that user's own credentials. The creator's graph is
//! unchanged.

use std::time::Duration;

use block_core::http::Exchange;
use block_server::domain::{RunKind, RunStatus};
use serde_json::{Value, json};

use crate::store::{GREET_EXAMPLE_API, create_graph, other_user, publish};
use crate::support::{Client, TestServer, eventually, runs_of};

/// The Example block's id: the node that presets credentials.
const EXAMPLE_BLOCK: &str = "ce635b53-5892-45ec-990c-13336d89507f";

const CREATOR_KEY: &str = "creator-sk-7c1e0b9d";
const ADA_KEY: &str = "ada-sk-3f8a2d6e";

async fn tool(client: &Client, name: &str, body: Value) -> Value {
    client.post(&format!("/external-api/v1/tools/{name}"), &body).await.expect(200).json()
}

async fn own_credentials(client: &Client, title: &str, key: &str) -> Value {
    let created = client
        .post(
            "/external-api/v1/integrations/example/credentials",
            &json!({"type": "api_key", "title": title,
                                                                            "api_key": key}),
        )
        .await;
    created.expect(201).json()
}

/// The greeting example with its Example node presetting `meta`, one greeting.
fn greeter_presetting(meta: &Value) -> String {
    let mut graph: Value = serde_json::from_str(GREET_EXAMPLE_API).expect("the example is JSON");
    for node in graph["nodes"].as_array_mut().expect("nodes") {
        if node["block_id"] == EXAMPLE_BLOCK {
            node["input_default"]["credentials"] = meta.clone();
            node["input_default"]["greetings"] = json!(["Hi"]);
        }
    }
    graph.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn others_see_no_preset_credentials_id_and_run_with_their_own_credentials() {
    let server = TestServer::start("store-credentials").await;
    let creator = server.client();
    let preset = own_credentials(&creator, "Creator's production key", CREATOR_KEY).await;
    let creator_id = preset["id"].as_str().expect("an id").to_owned();
    let graph = create_graph(&server, &server.user_id, &greeter_presetting(&preset), "Greeter").await;
    publish(&creator, &graph, "greeter", json!({"name": "Greeter"})).await;
    let own = creator.get(&format!("/external-api/v1/graphs/{}", graph.0)).await.expect(200).text.clone();
    assert!(own.contains(&creator_id), "the creator's own graph keeps its credentials");

    let (ada_id, ada) = other_user(&server, "Ada").await;
    let address = json!({"username_agent_slug": "local-user/greeter"});
    let leaks = |answer: &str| answer.contains(&creator_id) || answer.contains("Creator's production key");
    let listing = ada.get("/external-api/v1/store/agents/local-user/greeter").await.expect(200).text.clone();
    assert!(!leaks(&listing), "{listing}");
    let details = tool(&ada, "get-agent-details", address.clone()).await;
    assert!(!leaks(&details.to_string()), "{details}");
    let needed = &details["agent"]["credentials"];
    assert_eq!((needed[0]["provider"].as_str(), needed[0]["type"].as_str()), (Some("example"), Some("api_key")));
    let lacking = tool(
        &ada,
        "run-agent",
        json!({"username_agent_slug": "local-user/greeter",
                                                  "inputs": {"name": "Ada"}}),
    )
    .await;
    assert_eq!(lacking["type"], "setup_requirements", "Ada has no Example credentials yet: {lacking}");
    assert!(!leaks(&lacking.to_string()), "{lacking}");

    let mine = own_credentials(&ada, "Ada's key", ADA_KEY).await;
    let ada_credentials = mine["id"].as_str().expect("an id").to_owned();
    let info = tool(
        &ada,
        "get-required-setup-info",
        json!({"username_agent_slug": "local-user/greeter",
                                                            "inputs": {"name": "Ada"}}),
    )
    .await;
    assert!(!leaks(&info.to_string()), "{info}");
    let requirement = &info["setup_info"]["requirements"]["credentials"][0];
    assert_eq!(requirement["credential_id"], json!(ada_credentials), "{info}");

    server.mock.push(
        Exchange::post("https://api.example.com/v1/resources")
            .header("authorization", &format!("Bearer {ADA_KEY}"))
            .json_body(json!({"name": "Hi, Ada!", "type": "greeting"}))
            .respond_json(201, json!({"message": "created"})),
    );
    let started = tool(
        &ada,
        "run-agent",
        json!({"username_agent_slug": "local-user/greeter",
                                                  "inputs": {"name": "Ada"}}),
    )
    .await;
    assert_eq!(started["type"], "execution_started", "{started}");
    assert!(!leaks(&started.to_string()), "{started}");
    let run_id = started["execution_id"].as_str().expect("a run id").to_owned();
    let storage = server.storage().clone();
    let ended = eventually(Duration::from_secs(20), || {
        let (storage, ada_id, run_id) = (storage.clone(), ada_id.clone(), run_id.clone());
        async move {
            runs_of(storage.as_ref(), &ada_id, 100)
                .await
                .iter()
                .any(|run| run.id == run_id && !matches!(run.status, RunStatus::Queued | RunStatus::Running))
        }
    })
    .await;
    assert!(ended, "the run ends");
    let runs = runs_of(server.storage().as_ref(), &ada_id, 100).await;
    let run = runs.iter().find(|run| run.id == run_id).expect("Ada's run");
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.error);
    let node = runs
        .iter()
        .find(|run| {
            run.kind == RunKind::GraphNode && run.parent_id.as_deref() == Some(&run_id) && run.block_id == EXAMPLE_BLOCK
        })
        .expect("the Example node ran");
    assert_eq!(node.input["credentials"]["id"], json!(ada_credentials), "Ada's credentials, not the creator's");
    assert!(!runs.iter().any(|run| leaks(&run.input.to_string())), "no run of Ada's names the creator's credentials");
    server.mock.verify().expect("the block sent Ada's key");

    let scheduled = tool(
        &ada,
        "setup-agent",
        json!({"username_agent_slug": "local-user/greeter", "setup_type": "schedule", "name": "Daily",
               "cron": "0 9 * * *", "inputs": {"name": "Ada"}}),
    )
    .await;
    assert_eq!(scheduled["type"], "schedule_created", "{scheduled}");
    let copy = scheduled["graph_id"].as_str().expect("Ada's copy");
    let copied = ada.get(&format!("/external-api/v1/graphs/{copy}")).await.expect(200).text.clone();
    assert!(!leaks(&copied), "Ada's copy keeps no credentials of the creator: {copied}");
    let own = creator.get(&format!("/external-api/v1/graphs/{}", graph.0)).await.expect(200).text.clone();
    assert!(own.contains(&creator_id), "the creator's graph is unchanged");
}
