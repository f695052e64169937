//! A block that uses every `#[block_input]` key, optional fields, both kinds of default and
//! a raw-identifier field; its schema is rendered and its cases run.

use block_core::prelude::*;

/// How loud to greet.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Volume {
    /// Barely audible.
    Quiet,
    /// Shouted.
    Loud,
    #[block_value(rename = "ELEVEN")]
    UpToEleven,
}

/// Inputs of the greeting block.
#[derive(BlockInput)]
pub struct GreetInput {
    /// Who to greet.
    #[block_input(placeholder = "Ada", title = "Name", min_length = 1, max_length = 64)]
    pub name: String,
    /// Greetings to send, one each.
    #[block_input(default = ["Hello", "Hi"], min_items = 1, max_items = 5)]
    pub greetings: Vec<String>,
    /// How many times to repeat each greeting.
    #[block_input(default = 1, min = 1, max = 10, advanced = false)]
    pub times: u32,
    /// How loud to greet.
    #[block_input(default = Volume::Loud)]
    pub volume: Volume,
    /// Whether to add an exclamation mark.
    #[block_input(default = true)]
    pub exclaim: bool,
    /// A signature, when wanted.
    #[block_input(depends_on = [exclaim], format = "email")]
    pub signature: Option<String>,
    /// The kind of greeting, a keyword in Rust.
    #[block_input(default = "plain", hidden)]
    pub r#type: String,
    /// A token the greeting service wants.
    #[block_input(secret, default = "", advanced)]
    pub token: String,
}

#[derive(BlockOutput, Debug, PartialEq)]
pub enum GreetOutput {
    /// One greeting.
    Greeting(String),
    /// How many greetings were sent.
    #[block_output(title = "Greetings sent")]
    GreetingCount(u64),
    /// The volume used.
    #[block_output(name = "volume_used")]
    Volume(Volume),
}

/// Greets someone, in several ways.
#[block(
    id = "5f6f3a34-8f4e-4b8e-9f38-1d2c3b4a5e6f",
    name = "GreetEveryWayBlock",
    categories(Basic, Text),
    contributors("Ada Lovelace"),
    static_output,
    tests = greet_cases,
)]
pub struct GreetBlock;

impl Run for GreetBlock {
    type Input = GreetInput;
    type Output = GreetOutput;
    async fn run(&self, input: GreetInput, _ctx: &RunContext, out: &Emit<GreetOutput>) -> Result<(), BlockError> {
        let mark = if input.exclaim { "!" } else { "" };
        let mut count = 0;
        for greeting in &input.greetings {
            for _ in 0..input.times {
                let signed = input.signature.as_deref().map(|s| format!(" -- {s}")).unwrap_or_default();
                out.emit(GreetOutput::Greeting(format!("{greeting}, {}{mark}{signed}", input.name))).await?;
                count += 1;
            }
        }
        out.emit(GreetOutput::GreetingCount(count)).await?;
        out.emit(GreetOutput::Volume(input.volume)).await
    }
}

fn greet_cases() -> Vec<TestCase<GreetBlock>> {
    vec![
        TestCase::json("uses every default", json!({ "name": "Ada" })).outputs([
            GreetOutput::Greeting("Hello, Ada!".into()),
            GreetOutput::Greeting("Hi, Ada!".into()),
            GreetOutput::GreetingCount(2),
            GreetOutput::Volume(Volume::Loud),
        ]),
        TestCase::new(
            "takes typed input",
            GreetInput {
                name: "Bob".into(),
                greetings: vec!["Hey".into()],
                times: 2,
                volume: Volume::UpToEleven,
                exclaim: false,
                signature: Some("me".into()),
                r#type: "formal".into(),
                token: String::new(),
            },
        )
        .outputs([
            GreetOutput::Greeting("Hey, Bob -- me".into()),
            GreetOutput::Greeting("Hey, Bob -- me".into()),
            GreetOutput::GreetingCount(2),
            GreetOutput::Volume(Volume::UpToEleven),
        ]),
        TestCase::json("rejects a zero repeat", json!({ "name": "Ada", "times": 0 })).invalid_input(["/times"]),
    ]
}

fn main() {
    let descriptor = <GreetBlock as Block>::DESCRIPTOR;
    assert_eq!(descriptor.name, "GreetEveryWayBlock");
    assert_eq!(descriptor.description, "Greets someone, in several ways.");
    assert_eq!(descriptor.categories, &[Category::Basic, Category::Text]);
    assert_eq!(descriptor.contributors, &["Ada Lovelace"]);
    assert!(descriptor.static_output && !descriptor.disabled);
    assert_eq!(descriptor.pins, &["greeting", "greeting_count", "volume_used"]);
    assert_eq!((descriptor.check_defaults)(), Vec::<String>::new());

    let input = (descriptor.input_schema)();
    let properties = input["properties"].as_object().expect("properties");
    let order: Vec<&str> = properties.keys().map(String::as_str).collect();
    assert_eq!(order, ["name", "greetings", "times", "volume", "exclaim", "signature", "type", "token"]);
    assert_eq!(input["required"], json!(["name"]));
    assert_eq!(input["additionalProperties"], json!(false));

    let name = &properties["name"];
    assert_eq!(name["title"], "Name");
    assert_eq!(name["description"], "Who to greet.");
    assert_eq!(name["placeholder"], "Ada");
    assert_eq!((name["minLength"].clone(), name["maxLength"].clone()), (json!(1), json!(64)));
    assert_eq!(name["advanced"], false);
    assert_eq!(properties["greetings"]["default"], json!(["Hello", "Hi"]));
    assert_eq!(
        (properties["greetings"]["minItems"].clone(), properties["greetings"]["maxItems"].clone()),
        (json!(1), json!(5))
    );
    assert_eq!(properties["greetings"]["advanced"], true);
    assert_eq!(properties["times"]["default"], json!(1));
    assert_eq!(properties["times"]["minimum"], json!(1.0));
    assert_eq!(properties["times"]["maximum"], json!(10.0));
    assert_eq!(properties["times"]["advanced"], false);
    assert_eq!(properties["volume"]["default"], "loud");
    assert_eq!(properties["exclaim"]["default"], true);
    assert_eq!(properties["signature"]["depends_on"], json!(["exclaim"]));
    assert_eq!(properties["signature"]["format"], "email");
    assert_eq!(properties["type"]["hidden"], true);
    assert_eq!(properties["type"]["default"], "plain");
    assert_eq!(properties["token"]["secret"], true);

    let volume = serde_json_pointer(&input, "/$defs/Volume/enum");
    assert_eq!(volume, json!(["quiet", "loud", "ELEVEN"]));

    let output = (descriptor.output_schema)();
    let pins: Vec<&str> = output["properties"].as_object().expect("pins").keys().map(String::as_str).collect();
    assert_eq!(pins, ["greeting", "greeting_count", "volume_used", "error"]);
    assert_eq!(output["properties"]["greeting_count"]["title"], "Greetings sent");
    assert_eq!(output["properties"]["greeting"]["title"], "Greeting");
    assert_eq!(output["properties"]["greeting"]["description"], "One greeting.");

    assert_eq!(block_core::testing::run_block_cases::<GreetBlock>().map_err(|e| e.to_string()), Ok(3));
}

fn serde_json_pointer(value: &Value, pointer: &str) -> Value {
    value.pointer(pointer).cloned().unwrap_or(Value::Null)
}
