//! Agents in the console: imported from their JSON (problems in words at their
//! place), drawn as a laid-out diagram, exported, run from a form generated
//! from their input schema, and deleted.

use crate::support::{Console, value_of};

fn example(name: &str) -> String {
    let path = format!("{}/../examples/graphs/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

#[tokio::test]
async fn an_example_agent_is_imported_drawn_exported_and_deleted() {
    let console = Console::start("agents").await;
    let mut browser = console.signed_in().await;
    assert!(browser.get("/agents").await.body.contains("No agents yet."));
    let csrf = browser.csrf().await;
    assert_eq!(browser.post("/agents", &[("json", &example("is_it_big"))]).await.status, 403);

    let made = browser.post("/agents", &[("csrf", &csrf), ("json", &example("is_it_big"))]).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let at = made.location.expect("the agent's page");
    assert!(at.starts_with("/agents/") && at.ends_with("?imported=1"), "{at}");
    let page = browser.get(&at).await.body;
    assert!(page.contains("Imported “Is it big?”."));
    assert_eq!(page.matches("<g class=\"node\" data-node=").count(), 5, "every node is drawn");
    assert_eq!(page.matches("<path class=\"link\"").count(), 5, "every link is drawn between its pins");
    assert!(
        page.contains(">ConditionBlock</text>") || page.contains(">ConditionBlock"),
        "nodes carry their block's name"
    );
    assert!(page.contains("input “n”"), "a graph input says which");
    // The input node is on the first layer, the condition on the second.
    let x_of = |id: &str| -> i64 {
        let marker = format!("data-node=\"{id}\" data-status=\"idle\" transform=\"translate(");
        value_of(&page, &marker)
            .and_then(|rest| rest.split(' ').next().map(str::to_owned))
            .expect("a node")
            .parse()
            .expect("x")
    };
    assert!(x_of("b5894a05-15d7-4bcf-9137-9647e0622873") < x_of("74546540-e23b-4741-b224-1ab1a4cd0d26"));
    assert!(page.contains("id=\"field-n\""), "the run form comes from the input schema");

    let id = at.trim_start_matches("/agents/").split('?').next().expect("an id").to_owned();
    let listed = browser.get("/agents").await.body;
    assert!(listed.contains(&format!("href=\"/agents/{id}\">Is it big?</a>")), "{listed}");
    let exported = browser.get(&format!("/agents/{id}/export")).await;
    assert!(exported.content_type.starts_with("application/json"));
    let graph: serde_json::Value = serde_json::from_str(&exported.body).expect("the export is JSON");
    assert_eq!(graph["id"], id.as_str());
    assert_eq!(graph["nodes"].as_array().map(Vec::len), Some(5));
    let again = browser.post("/agents", &[("csrf", &csrf), ("json", &exported.body)]).await;
    assert_eq!(again.status, 303, "an export imports again: {}", again.body);

    assert_eq!(browser.post(&format!("/agents/{id}/delete"), &[]).await.status, 403);
    let gone = browser.post(&format!("/agents/{id}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(gone.location.as_deref(), Some("/agents?deleted=1"));
    assert_eq!(browser.get(&format!("/agents/{id}")).await.status, 404);
}

#[tokio::test]
async fn a_refused_import_says_what_is_wrong_and_where() {
    let console = Console::start("agents-refused").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;

    let empty = browser.post("/agents", &[("csrf", &csrf), ("json", "  ")]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Paste an agent&#39;s JSON, or choose its file."), "{}", empty.body);

    let broken = browser.post("/agents", &[("csrf", &csrf), ("json", "{\"nodes\": [")]).await;
    assert_eq!(broken.status, 422);
    let said = value_of(&broken.body, "id=\"a-json-error\" role=\"alert\"><span>").expect("the problem at the field");
    assert!(said.starts_with("This is not valid JSON:") && said.contains("line 1"), "{said}");
    assert!(broken.body.contains("{&quot;nodes&quot;: [</textarea>"), "what was sent is kept");

    let mut graph: serde_json::Value = serde_json::from_str(&example("is_it_big")).expect("json");
    graph["nodes"][1]["block_id"] = "no-such-block".into();
    graph["links"][0]["sink_name"] = "nothing_here".into();
    let invalid = browser.post("/agents", &[("csrf", &csrf), ("json", &graph.to_string())]).await;
    assert_eq!(invalid.status, 422);
    assert!(invalid.body.contains("“Is it big?” was not imported"), "{}", invalid.body);
    assert!(
        invalid.body.contains(
            "<strong>Node unknown block no-such-block, compare (id 74546540-e23b-4741-b224-1ab1a4cd0d26)</strong>"
        ),
        "the unknown block is named at its node: {}",
        invalid.body
    );
    assert!(
        invalid.body.contains("<g class=\"node problem\" data-node=\"74546540"),
        "the node is marked on the diagram"
    );
    assert!(browser.get("/agents").await.body.contains("No agents yet."), "nothing was saved");
}

#[tokio::test]
async fn an_agent_runs_from_its_generated_form_and_its_page_follows_the_run() {
    let console = Console::start("agents-run").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let made = browser.post("/agents", &[("csrf", &csrf), ("json", &example("is_it_big"))]).await;
    let id = made.location.expect("made").trim_start_matches("/agents/").split('?').next().expect("id").to_owned();

    let missing = browser.post(&format!("/agents/{id}/run"), &[("csrf", &csrf)]).await;
    assert_eq!(missing.status, 422);
    let at_n = value_of(&missing.body, "id=\"field-n-error\" role=\"alert\">").expect("n's error slot");
    assert!(at_n.contains("Enter a value."), "{at_n}");
    let wrong = browser.post(&format!("/agents/{id}/run"), &[("csrf", &csrf), ("input.n", "many")]).await;
    assert_eq!(wrong.status, 422);
    assert!(
        value_of(&wrong.body, "id=\"field-n-error\" role=\"alert\">").is_some_and(|at| at.contains("Enter a number."))
    );

    let started = browser.post(&format!("/agents/{id}/run"), &[("csrf", &csrf), ("input.n", "12")]).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let follow = started.location.expect("the page following the run");
    let run = follow.split("?run=").nth(1).expect("the run's id").to_owned();
    let page = browser.get(&follow).await.body;
    assert!(page.contains(&format!("data-run-events=\"/runs/{run}/events\"")), "{page}");
    let record = block_server::services::runs::get(&console.state, &console.user_id, &run).await.expect("the run");
    assert_eq!(record.input["node_input"]["n"], 12);

    // The run's record names the agent and links back to it; its events replay
    // node by node.
    let events = browser.get(&format!("/runs/{run}/events")).await;
    let names: Vec<String> = crate::support::events(&events.body).into_iter().map(|(name, _)| name).collect();
    assert!(
        names.iter().any(|name| name == "node.started") && names.iter().any(|name| name == "node.ended"),
        "{names:?}"
    );
    assert_eq!(names.last().map(String::as_str), Some("run.end"));
    let shown = browser.get(&format!("/runs/{run}")).await.body;
    assert!(shown.contains("<h1>Run of agent Is it big?</h1>"), "{shown}");
    assert!(shown.contains(&format!("<dt>Agent</dt><dd><a href=\"/agents/{id}\">Is it big?</a></dd>")));
    let listed = browser.get(&format!("/runs?block={id}")).await;
    assert_eq!(listed.status, 200);
    assert!(listed.body.contains("Agent “Is it big?”"), "{}", listed.body);
}

#[tokio::test]
async fn an_agent_is_scheduled_from_its_page_with_problems_at_their_fields() {
    let console = Console::start("agents-schedule").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let made = browser.post("/agents", &[("csrf", &csrf), ("json", &example("is_it_big"))]).await;
    let id = made.location.expect("made").trim_start_matches("/agents/").split('?').next().expect("id").to_owned();
    let page = browser.get(&format!("/agents/{id}")).await.body;
    assert!(page.contains(&format!("action=\"/agents/{id}/schedule\"")), "the agent's page has a schedule form");
    assert!(page.contains("id=\"plan-input-n\""));

    let path = format!("/agents/{id}/schedule");
    let bad = browser.post(&path, &[("csrf", &csrf), ("cron", "0 9 * * *")]).await;
    assert_eq!(bad.status, 422);
    assert!(
        value_of(&bad.body, "id=\"plan-input-n-error\" role=\"alert\">")
            .is_some_and(|at| at.contains("Enter a value."))
    );
    let cron = browser.post(&path, &[("csrf", &csrf), ("cron", "soon"), ("input.n", "3")]).await;
    assert_eq!(cron.status, 422);
    assert!(
        cron.body.contains("id=\"plan-cron-error\" role=\"alert\"><span>"),
        "the pattern's problem is at its field"
    );

    let ok = browser.post(&path, &[("csrf", &csrf), ("cron", "0 9 * * *"), ("input.n", "3"), ("name", "Nine")]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let list = browser.get("/schedules").await.body;
    assert!(list.contains("Nine") && list.contains(&format!("<a href=\"/agents/{id}\">agent</a>")), "{list}");
}
