//! The try-it form: generated from the input schema, run inline with one event
//! per output, or refused with every problem at its field.

use serde_json::Value;

use crate::support::{Console, events};

const STREAM: [(&str, &str); 1] = [("accept", "text/event-stream")];

#[tokio::test]
async fn the_form_follows_the_input_schema() {
    let console = Console::start("form").await;
    let mut browser = console.signed_in().await;
    let page = browser.get("/blocks/CalculatorBlock").await.body;
    assert!(page.contains("<select id=\"field-operation\" name=\"input.operation\""), "enums are selects");
    assert!(page.contains("<option value=\"add\" selected>add</option>"), "the default is chosen");
    assert!(page.contains("type=\"number\" step=\"any\""), "numbers are number inputs");
    assert!(page.contains("placeholder=\"1\""), "placeholders are shown");
    let advanced = page.find("<details class=\"advanced\">").expect("advanced fields are folded");
    assert!(page[advanced..].contains("id=\"field-round_result\""), "round_result is advanced");
    assert!(page.contains("type=\"checkbox\" value=\"true\" id=\"field-round_result\""), "booleans are checkboxes");

    let example = browser.get("/blocks/ExampleBlock").await.body;
    assert!(example.contains("<select id=\"field-credentials\""), "credentials are a picker");
    assert!(example.contains("href=\"/credentials?provider=example#add\""), "with a link to add some");
    assert!(example.contains("id=\"field-greetings\""), "lists are one item per line");
}

#[tokio::test]
async fn a_run_streams_each_output_then_how_it_ended() {
    let console = Console::start("stream").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let fields = [("csrf", csrf.as_str()), ("input.items", "[\"x\", \"y\"]")];
    let answer = browser.post_with("/blocks/ListIteratorBlock/run", &fields, &STREAM).await;
    assert_eq!(answer.status, 200);
    assert!(answer.content_type.starts_with("text/event-stream"), "{}", answer.content_type);
    let events = events(&answer.body);
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["run", "item", "key", "item", "key", "end"]);
    assert_eq!(events[1].1, "\"x\"");
    assert_eq!(events[3].1, "\"y\"");
    let end: Value = serde_json::from_str(&events[5].1).expect("json");
    assert_eq!(end["status"], "completed");
    let run: Value = serde_json::from_str(&events[0].1).expect("json");
    let page = browser.get(&format!("/runs/{}", run["id"].as_str().expect("an id"))).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("status completed"), "{}", page.body);
}

#[tokio::test]
async fn every_problem_is_named_at_its_field() {
    let console = Console::start("problems").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let fields = [("csrf", csrf.as_str()), ("input.a", ""), ("input.b", "two"), ("input.operation", "add")];
    let answer = browser.post_with("/blocks/CalculatorBlock/run", &fields, &STREAM).await;
    assert_eq!(answer.status, 422);
    let body: Value = serde_json::from_str(&answer.body).expect("json");
    let problems = body["problems"].as_array().expect("problems");
    let at = |field: &str| {
        problems.iter().find(|problem| problem["field"] == field).map(|problem| problem["message"].clone())
    };
    assert_eq!(at("a"), Some(Value::from("Enter a value.")));
    assert_eq!(at("b"), Some(Value::from("Enter a number.")));

    // An enum value the schema refuses is caught by the block's own check.
    let fields = [("csrf", csrf.as_str()), ("input.a", "1"), ("input.b", "2"), ("input.operation", "root")];
    let answer = browser.post_with("/blocks/CalculatorBlock/run", &fields, &STREAM).await;
    assert_eq!(answer.status, 422);
    let body: Value = serde_json::from_str(&answer.body).expect("json");
    assert_eq!(body["problems"][0]["field"], "operation", "{body}");

    // Without the script the form comes back with the problems at their fields.
    let fields = [("csrf", csrf.as_str()), ("input.a", ""), ("input.b", "2")];
    let page = browser.post("/blocks/CalculatorBlock/run", &fields).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("id=\"field-a-error\" role=\"alert\"><span>Enter a value.</span>"), "{}", page.body);
    assert!(page.body.contains("value=\"2\""), "what was typed stays");
}

#[tokio::test]
async fn without_the_script_a_run_is_queued_and_its_page_shown() {
    let console = Console::start("queued").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let fields = [("csrf", csrf.as_str()), ("input.a", "2"), ("input.b", "3"), ("input.operation", "power")];
    let answer = browser.post("/blocks/CalculatorBlock/run", &fields).await;
    assert_eq!(answer.status, 303);
    let run = answer.location.expect("to the run's page");
    assert!(run.starts_with("/runs/"));
    let mut page = browser.get(&run).await;
    for _ in 0..50 {
        if page.body.contains("status completed") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        page = browser.get(&run).await;
    }
    assert!(page.body.contains("status completed"), "{}", page.body);
    assert!(page.body.contains("<code>result</code>"));
    let events = browser.get(&format!("{run}/events")).await;
    assert!(events.body.contains("event: run.end"), "a finished run's events end with run.end: {}", events.body);
}

#[tokio::test]
async fn secret_fields_are_masked_and_never_sent_back_and_dependent_fields_say_what_they_need() {
    let console = Console::start("secret").await;
    let mut browser = console.signed_in().await;
    let regex = browser.get("/blocks/RegexMatchBlock").await.body;
    assert!(regex.contains("id=\"field-case_sensitive\" name=\"input.case_sensitive\""), "{regex}");
    assert!(regex.contains("data-depends-on=\"pattern\""), "depends_on is kept for the script");
    assert!(regex.contains("Needs pattern first."));

    let hash = browser.get("/blocks/HashBlock").await.body;
    assert!(hash.contains("type=\"password\" autocomplete=\"off\""), "the secret field is masked");
    let csrf = browser.csrf().await;
    let refused = browser
        .post("/blocks/HashBlock/run", &[("csrf", &csrf), ("input.key", "hmac-secret-value"), ("input.text", "")])
        .await;
    assert_eq!(refused.status, 422);
    assert!(!refused.body.contains("hmac-secret-value"), "a secret typed is not sent back in the form");

    let queued = browser
        .post("/blocks/HashBlock/run", &[("csrf", &csrf), ("input.key", "hmac-secret-value"), ("input.text", "abc")])
        .await;
    assert_eq!(queued.status, 303, "{}", queued.body);
    let run = browser.get(queued.location.as_deref().expect("a run")).await.body;
    assert!(!run.contains("hmac-secret-value"), "the run page masks secret inputs");
    assert!(run.contains("********"), "{run}");
}

#[tokio::test]
async fn a_running_run_is_stopped_from_its_page() {
    let console = Console::start("stop").await;
    let mut browser = console.signed_in().await;
    let csrf = browser.csrf().await;
    let queued = browser.post("/blocks/DelayBlock/run", &[("csrf", &csrf), ("input.seconds", "30")]).await;
    let run = queued.location.expect("a run page");
    let page = browser.get(&run).await.body;
    assert!(page.contains(&format!("action=\"{run}/stop\"")), "a live run offers to stop it: {page}");
    let forged = browser.post(&format!("{run}/stop"), &[]).await;
    assert_eq!(forged.status, 403);
    let stopped = browser.post(&format!("{run}/stop"), &[("csrf", &csrf)]).await;
    assert_eq!(stopped.status, 303, "{}", stopped.body);
    let mut page = browser.get(&run).await.body;
    for _ in 0..50 {
        if page.contains("status stopped") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        page = browser.get(&run).await.body;
    }
    assert!(page.contains("status stopped"), "{page}");
    assert!(!page.contains("Stop this run"), "an ended run offers nothing to stop");
    let again = browser.post(&format!("{run}/stop"), &[("csrf", &csrf)]).await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("the run already ended"), "{}", again.body);
}
