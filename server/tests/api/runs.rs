//! Runs over the API: every execution recorded, queued runs answered at once and
//! run by the workers, events followed and resumed, runs stopped, idempotency
//! keys, and signed completion callbacks.

use std::time::{Duration, Instant};

use block_core::http::Exchange;
use block_server::Settings;
use serde_json::{Value, json};

use crate::support::{Client, Options, TestServer, eventually, sse_events};

const CALCULATOR: &str = "470bd006-adb0-48de-a0d9-b3a7de19568b";

/// Waits until run `id` is in one of `statuses`; returns it.
async fn wait_for(client: &Client, id: &str, statuses: &[&str]) -> Value {
    let started = Instant::now();
    loop {
        let run = client.get(&format!("/external-api/v1/runs/{id}")).await.expect(200).json();
        if statuses.iter().any(|status| run["status"] == *status) {
            return run;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "run {id} stayed {}", run["status"]);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn queue(client: &Client, block: &str, input: &Value) -> String {
    let answer = client
        .send("POST", &format!("/external-api/v1/blocks/{block}/execute"), Some(input), &[("Prefer", "respond-async")])
        .await;
    assert_eq!(answer.header("preference-applied"), Some("respond-async"));
    let queued = answer.expect(202).json();
    assert_eq!(queued["status"], "queued");
    queued["id"].as_str().expect("an id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_answered_inline_is_a_run_with_its_input_and_outputs() {
    let server = TestServer::start("runs-inline").await;
    let client = server.client();
    let answer = client
        .post(&format!("/external-api/v1/blocks/{CALCULATOR}/execute"), &json!({"operation": "add", "a": 2, "b": 3}))
        .await;
    let id = answer.header("x-run-id").expect("the run is named").to_owned();
    assert_eq!(answer.expect(200).json(), json!({"result": [5.0]}));
    let run = client.get(&format!("/external-api/v1/runs/{id}")).await.expect(200).json();
    assert_eq!(
        (run["status"].clone(), run["kind"].clone(), run["source"].clone()),
        (json!("completed"), json!("block"), json!("api"))
    );
    assert_eq!(run["outputs"], json!({"result": [5.0]}));
    assert_eq!(run["input"], json!({"operation": "add", "a": 2, "b": 3}));
    assert!(run["finished_at"].as_i64() >= run["created_at"].as_i64());
    let listed = client.get("/external-api/v1/runs?limit=5").await.expect(200).json();
    assert_eq!(listed["total_count"], 1);
    assert_eq!(listed["items"][0]["id"], id.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_run_is_answered_at_once_and_run_by_a_worker() {
    let server = TestServer::start("runs-queued").await;
    let client = server.client();
    let id = queue(&client, "SlowBlock", &json!({"millis": 200})).await;
    let run = wait_for(&client, &id, &["completed"]).await;
    assert_eq!(run["outputs"], json!({"done": [200]}));
    let answer = client.get(&format!("/external-api/v1/runs/{id}/events")).await;
    let events = sse_events(&answer.expect(200).text);
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0], ("done".to_owned(), json!(200)));
    assert_eq!(events[1].0, "run.end");
    assert_eq!(events[1].1["status"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_resume_after_the_last_one_seen_and_always_end_with_how_the_run_ended() {
    let server = TestServer::start("runs-resume").await;
    let client = server.client();
    let answer = client.post("/external-api/v1/blocks/ListIteratorBlock/execute", &json!({"items": [1, 2, 3]})).await;
    let id = answer.header("x-run-id").expect("named").to_owned();
    answer.expect(200);
    let all = sse_events(&client.get(&format!("/external-api/v1/runs/{id}/events")).await.expect(200).text);
    let rest = client.send("GET", &format!("/external-api/v1/runs/{id}/events"), None, &[("Last-Event-ID", "2")]).await;
    let rest = sse_events(&rest.expect(200).text);
    assert_eq!(rest.as_slice(), &all[2..], "everything after event 2, nothing before");
    assert_eq!(rest.last().map(|event| event.0.as_str()), Some("run.end"));
    let bad = client.send("GET", &format!("/external-api/v1/runs/{id}/events"), None, &[("Last-Event-ID", "x")]).await;
    assert_eq!(bad.expect(422).code(), "invalid_query");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_sees_outputs_live_and_the_end_of_a_queued_run() {
    let server = TestServer::start("runs-live").await;
    let client = server.client();
    let id = queue(&client, "SlowBlock", &json!({"millis": 400})).await;
    let followed = client.get(&format!("/external-api/v1/runs/{id}/events")).await;
    let events = sse_events(&followed.expect(200).text);
    assert_eq!(events.first().map(|event| event.0.as_str()), Some("done"), "{events:?}");
    assert_eq!(events.last().map(|event| event.1["status"].clone()), Some(json!("completed")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_run_is_stopped_and_a_queued_one_stops_before_it_starts_without_a_charge() {
    let settings = Settings { max_running_runs: 1, rate_limit_per_minute: 0, ..Settings::default() };
    let server = TestServer::start_with("runs-stop", Options { settings, ..Options::default() }).await;
    let client = server.client();
    let running = queue(&client, "SlowBlock", &json!({"millis": 60_000})).await;
    wait_for(&client, &running, &["running"]).await;
    let waiting = queue(&client, "PaidEchoBlock", &json!({"text": "never"})).await;
    let stopped = client.post(&format!("/external-api/v1/runs/{waiting}/stop"), &json!({})).await.expect(200).json();
    assert_eq!((stopped["status"].clone(), stopped["charged"].clone()), (json!("stopped"), json!(0)));
    let again = client.post(&format!("/external-api/v1/runs/{waiting}/stop"), &json!({})).await;
    assert_eq!(again.expect(409).code(), "run_over");

    client.post(&format!("/external-api/v1/runs/{running}/stop"), &json!({})).await.expect(200);
    let ended = wait_for(&client, &running, &["stopped"]).await;
    assert_eq!(ended["error"], "stopped");
    let balance = client.get("/external-api/v1/credits").await.expect(200).json()["balance"].clone();
    assert_eq!(balance, 1000, "the stopped queued run was never charged");
    let events = sse_events(&client.get(&format!("/external-api/v1/runs/{waiting}/events")).await.expect(200).text);
    assert_eq!(events.last().map(|event| event.1["status"].clone()), Some(json!("stopped")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_idempotency_key_answers_the_first_run_again_and_charges_once() {
    let server = TestServer::start("runs-idempotency").await;
    let client = server.client();
    let path = "/external-api/v1/blocks/PaidEchoBlock/execute";
    let body = json!({"text": "once"});
    let key = [("Idempotency-Key", "order-42")];
    let first = client.send("POST", path, Some(&body), &key).await;
    let run = first.header("x-run-id").expect("named").to_owned();
    let first_body = first.expect(200).json();
    let replay = client.send("POST", path, Some(&body), &key).await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.header("x-run-id"), Some(run.as_str()), "the same run");
    assert_eq!(replay.expect(200).json(), first_body);
    let other = client.send("POST", path, Some(&json!({"text": "twice"})), &key).await;
    assert_eq!(other.expect(422).code(), "idempotency_key_reused");
    let balance = client.get("/external-api/v1/credits").await.expect(200).json()["balance"].clone();
    assert_eq!(balance, 999, "charged once");
    let runs = client.get("/external-api/v1/runs").await.expect(200).json();
    assert_eq!(runs["total_count"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_while_the_first_request_is_answered_is_a_conflict() {
    let server = TestServer::start("runs-idempotency-busy").await;
    let client = server.client();
    let path = "/external-api/v1/blocks/SlowBlock/execute";
    let body = json!({"millis": 3000});
    let slow = {
        let (client, body) = (client.clone(), body.clone());
        tokio::spawn(async move { client.send("POST", path, Some(&body), &[("Idempotency-Key", "busy")]).await })
    };
    // The first request is being answered once its run is running.
    let running = eventually(Duration::from_secs(10), || {
        let client = client.clone();
        async move {
            let runs = client.get("/external-api/v1/runs?status=running").await.expect(200).json();
            runs["total_count"] == 1
        }
    })
    .await;
    assert!(running, "the first request's run started");
    let busy = client.send("POST", path, Some(&body), &[("Idempotency-Key", "busy")]).await;
    assert_eq!(busy.expect(409).code(), "idempotency_key_in_progress");
    slow.await.expect("the first request").expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_with_a_callback_posts_its_record_signed_with_the_callers_secret() {
    let server = TestServer::start("runs-callback").await;
    let client = server.client();
    let url = "https://hooks.example.com/runs";
    let refused = client
        .post(
            &format!("/external-api/v1/blocks/{CALCULATOR}/execute?callback_url={url}"),
            &json!({"operation": "add", "a": 1, "b": 1}),
        )
        .await;
    assert_eq!(refused.expect(422).code(), "no_callback_secret", "no secret to sign with yet");
    let secret = client.post("/external-api/v1/callbacks/secret", &json!({})).await.expect(201).json()["secret"]
        .as_str()
        .expect("shown once")
        .to_owned();
    server.mock.push(Exchange::post(url).respond(500));
    server.mock.push(Exchange::post(url).respond(204));
    let answer = client
        .post(
            &format!("/external-api/v1/blocks/{CALCULATOR}/execute?callback_url={url}"),
            &json!({"operation": "add", "a": 1, "b": 1}),
        )
        .await;
    let id = answer.header("x-run-id").expect("named").to_owned();
    answer.expect(200);
    let started = Instant::now();
    let run = loop {
        let run = client.get(&format!("/external-api/v1/runs/{id}")).await.expect(200).json();
        if !run["callback"]["delivered_at"].is_null() {
            break run;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "not delivered: {run}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let attempts = run["callback"]["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.iter().map(|attempt| attempt["status"].clone()).collect::<Vec<_>>(), [json!(500), json!(204)]);
    let sent = server.mock.requests().into_iter().filter(|request| request.url.as_str() == url).collect::<Vec<_>>();
    let request = sent.last().expect("posted");
    assert_eq!(request.json().expect("JSON")["id"], id.as_str(), "the run record");
    let signature = request.headers["x-blocks-signature"].to_str().expect("text");
    let t: i64 =
        signature.split(',').next().and_then(|part| part.strip_prefix("t=")).and_then(|t| t.parse().ok()).expect("t");
    assert_eq!(signature, block_server::services::runs::callbacks::signature(secret.as_bytes(), t, &request.body));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_inputs_are_masked_in_run_records_and_sealed_while_a_run_waits() {
    const KEY: &str = "canary-key-9f2";
    // HMAC-SHA256 of "hello" under KEY.
    const HMAC: &str = "818682c288316dd5411112f49db4c206c59a546d7ec0bf52baf8f354aaeeffd2";
    let server = TestServer::start("runs-secret-input").await;
    let client = server.client();
    let input = json!({"text": "hello", "key": KEY});
    let answer = client.post("/external-api/v1/blocks/HashBlock/execute", &input).await;
    let inline = answer.header("x-run-id").expect("named").to_owned();
    assert_eq!(answer.expect(200).json(), json!({"hash": [HMAC]}));
    let queued = queue(&client, "HashBlock", &input).await;
    let run = wait_for(&client, &queued, &["completed"]).await;
    assert_eq!(run["outputs"], json!({"hash": [HMAC]}), "the worker ran the queued run with the key itself");
    for id in [&inline, &queued] {
        let run = client.get(&format!("/external-api/v1/runs/{id}")).await.expect(200).json();
        assert_eq!(run["input"]["key"], "********", "{run}");
        assert_eq!(run["input"]["text"], "hello");
    }
    let listed = client.get("/external-api/v1/runs").await.expect(200).text.clone();
    assert!(!listed.contains(KEY), "{listed}");
    server.state.storage().flush().await.expect("the records are written");
    for entry in std::fs::read_dir(&server.dir).expect("the data directory") {
        let path = entry.expect("an entry").path();
        let bytes = std::fs::read(&path).expect("readable");
        assert!(!bytes.windows(KEY.len()).any(|window| window == KEY.as_bytes()), "{} holds the key", path.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeclared_input_keys_are_ignored_and_named_in_a_header() {
    let server = TestServer::start("runs-ignored-keys").await;
    let client = server.client();
    let answer = client
        .post(
            &format!("/external-api/v1/blocks/{CALCULATOR}/execute"),
            &json!({"operation": "add", "a": 2, "b": 3, "round": true, "colour": null}),
        )
        .await;
    assert_eq!(answer.header("x-ignored-input-keys"), Some("round, colour"));
    let id = answer.header("x-run-id").expect("named").to_owned();
    assert_eq!(answer.expect(200).json(), json!({"result": [5.0]}));
    let run = client.get(&format!("/external-api/v1/runs/{id}")).await.expect(200).json();
    assert_eq!(run["input"], json!({"operation": "add", "a": 2, "b": 3}), "the record holds the input as run");
    let queued = client
        .send(
            "POST",
            &format!("/external-api/v1/blocks/{CALCULATOR}/execute"),
            Some(&json!({"operation": "add", "a": 1, "b": 1, "round": true})),
            &[("Prefer", "respond-async")],
        )
        .await;
    assert_eq!(queued.header("x-ignored-input-keys"), Some("round"));
    queued.expect(202);
}
