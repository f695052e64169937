//! `ExampleBlock`: greets someone through the Example API, once per greeting.

use std::collections::BTreeMap;

use block_core::http::Exchange;
use block_core::prelude::*;

use super::Example;
use super::client::ExampleClient;

/// A JSON object, as the API's responses are relayed.
pub type JsonObject = BTreeMap<String, Value>;

/// What the block says when the API's answer carries no `message`.
const FALLBACK_MESSAGE: &str = "Hello, world!";

/// Inputs of the Example block.
#[derive(BlockInput)]
pub struct ExampleInput {
    /// The name of the example block
    #[block_input(placeholder = "Ada")]
    pub name: String,
    /// Greetings to send, one API call each.
    #[block_input(default = ["Hello", "Hi", "Hey"])]
    pub greetings: Vec<String>,
    /// Ends every greeting with a wink (`Hello, Ada! ;)`).
    #[block_input(default = true)]
    pub is_funny: bool,
    /// An Example API key.
    pub credentials: Credentials<Example, ApiKey>,
}

/// Outputs of the Example block.
#[derive(BlockOutput)]
pub enum ExampleOutput {
    /// The API's answer to one greeting: `{"message": "API response: ..."}`.
    Response(JsonObject),
    /// Every answer, in the order the greetings were sent.
    AllResponses(Vec<JsonObject>),
    /// How many greetings were sent.
    GreetingCount(u64),
}

/// Sends each greeting to the Example API as a new `greeting` resource and relays
/// what the API answers.
#[block(id = "ce635b53-5892-45ec-990c-13336d89507f", categories(Basic), tests = example_cases)]
pub struct ExampleBlock;

impl Run for ExampleBlock {
    type Input = ExampleInput;
    type Output = ExampleOutput;

    async fn run(&self, input: ExampleInput, ctx: &RunContext, out: &Emit<ExampleOutput>) -> Result<(), BlockError> {
        let client = ExampleClient::new(ctx.http(), input.credentials.api_key());
        let mut all_responses = Vec::with_capacity(input.greetings.len());
        for greeting in &input.greetings {
            let resource = json!({"name": full_greeting(greeting, &input.name, input.is_funny), "type": "greeting"});
            let created = client.create_resource(&resource).await?;
            let response = relayed(&created);
            all_responses.push(response.clone());
            out.emit(ExampleOutput::Response(response)).await?;
        }
        out.emit(ExampleOutput::AllResponses(all_responses)).await?;
        out.emit(ExampleOutput::GreetingCount(input.greetings.len() as u64)).await
    }
}

/// `Hello, Ada!`, or `Hello, Ada! ;)` when the block is in a funny mood.
fn full_greeting(greeting: &str, name: &str, is_funny: bool) -> String {
    let wink = if is_funny { " ;)" } else { "" };
    format!("{greeting}, {name}!{wink}")
}

/// `{"message": "API response: <the API's message>"}`; a message that is not a
/// string is shown as JSON, and a missing one becomes [`FALLBACK_MESSAGE`].
fn relayed(created: &Value) -> JsonObject {
    let message = match created.get("message") {
        Some(Value::String(text)) => text.clone(),
        None | Some(Value::Null) => FALLBACK_MESSAGE.to_owned(),
        Some(other) => other.to_string(),
    };
    JsonObject::from([("message".to_owned(), Value::String(format!("API response: {message}")))])
}

fn example_cases() -> Vec<TestCase<ExampleBlock>> {
    vec![
        TestCase::new("posts one resource per greeting and relays each answer", input("Ada", &["Hello", "Hi"], false))
            .http(created("Hello, Ada!", json!({"id": "r1", "message": "Created Hello"})))
            .http(created("Hi, Ada!", json!({"id": "r2", "message": "Created Hi"})))
            .outputs([
                response("API response: Created Hello"),
                response("API response: Created Hi"),
                ExampleOutput::AllResponses(vec![
                    message("API response: Created Hello"),
                    message("API response: Created Hi"),
                ]),
                ExampleOutput::GreetingCount(2),
            ]),
        TestCase::json(
            "sends the three default greetings, funny by default",
            json!({"name": "Bo", "credentials": test_meta()}),
        )
        .http(created("Hello, Bo! ;)", json!({"message": "one"})))
        .http(created("Hi, Bo! ;)", json!({"message": "two"})))
        .http(created("Hey, Bo! ;)", json!({"message": "three"})))
        .outputs([
            response("API response: one"),
            response("API response: two"),
            response("API response: three"),
            ExampleOutput::AllResponses(vec![
                message("API response: one"),
                message("API response: two"),
                message("API response: three"),
            ]),
            ExampleOutput::GreetingCount(3),
        ]),
        TestCase::new(
            "falls back to a greeting of its own when the answer has no message",
            input("Cy", &["Yo"], false),
        )
        .http(created("Yo, Cy!", json!({"id": "r3"})))
        .outputs([
            response("API response: Hello, world!"),
            ExampleOutput::AllResponses(vec![message("API response: Hello, world!")]),
            ExampleOutput::GreetingCount(1),
        ]),
        TestCase::new("sends nothing for no greetings", input("Di", &[], true))
            .outputs([ExampleOutput::AllResponses(vec![]), ExampleOutput::GreetingCount(0)]),
        TestCase::new("reports a refused key by status and message, never the key", input("Ed", &["Hi"], false))
            .http(post("Hi, Ed!").respond_json(401, json!({"message": "invalid key mock-example-api-key"})))
            .output_where("error", "names 401 and the API's message, without the key", |error| {
                error.as_str().is_some_and(|text| {
                    text.contains("answered 401 Unauthorized: invalid key [redacted]")
                        && !text.contains("mock-example-api-key")
                })
            }),
        TestCase::new("stops at the first failed greeting", input("Flo", &["Hi", "Hey"], false))
            .http(created("Hi, Flo!", json!({"message": "ok"})))
            .http(post("Hey, Flo!").respond_body(500, "upstream down"))
            .output(response("API response: ok"))
            .error_containing("the Example API answered 500 Internal Server Error without a message"),
        TestCase::new("reports an unreachable API", input("Gil", &["Hi"], false))
            .http(post("Hi, Gil!").fail_to_connect())
            .error_containing(
                "the Example API could not be reached: could not connect to https://api.example.com/v1/resources",
            ),
        TestCase::new("reports an answer that is not JSON", input("Hal", &["Hi"], false))
            .http(post("Hi, Hal!").respond_body(201, "<html>created</html>"))
            .error_containing("the Example API sent a response that is not JSON"),
        TestCase::json("needs a name and a list of greetings", json!({"greetings": "Hi", "credentials": test_meta()}))
            .invalid_input(["", "/greetings"]),
        TestCase::json("needs credentials", json!({"name": "Ida"})).invalid_input([""]),
    ]
}

fn input(name: &str, greetings: &[&str], is_funny: bool) -> ExampleInput {
    ExampleInput {
        name: name.into(),
        greetings: greetings.iter().map(|&greeting| greeting.into()).collect(),
        is_funny,
        credentials: Credentials::test(),
    }
}

/// The meta object of the test credentials, as a JSON input names them.
fn test_meta() -> Value {
    let credentials: Credentials<Example, ApiKey> = Credentials::test();
    json!(credentials.meta())
}

/// The request the client must make for `greeting`: URL, bearer key, JSON body.
fn post(greeting: &str) -> Exchange {
    Exchange::post("https://api.example.com/v1/resources")
        .header("authorization", "Bearer mock-example-api-key")
        .header("content-type", "application/json")
        .json_body(json!({"name": greeting, "type": "greeting"}))
}

fn created(greeting: &str, answer: Value) -> Exchange {
    post(greeting).respond_json(201, answer)
}

fn message(text: &str) -> JsonObject {
    JsonObject::from([("message".to_owned(), Value::String(text.to_owned()))])
}

fn response(text: &str) -> ExampleOutput {
    ExampleOutput::Response(message(text))
}
