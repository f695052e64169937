//! Extracts one value from a JSON document by a path.

mod path;

use block_core::prelude::*;

/// Inputs of `JsonPathBlock`.
#[derive(BlockInput)]
pub struct JsonPathInput {
    /// The JSON document to read from.
    pub data: Value,
    /// Where the value is: dotted (`a.b[2].c`, `$.a.b`, `items[-1]`, `a["key.with.dots"]`)
    /// or a JSON pointer (`/a/b/2/c`). Empty or `$` selects the whole document.
    #[block_input(placeholder = "user.addresses[0].city", max_length = 4096)]
    pub path: String,
}

/// Outputs of `JsonPathBlock`.
#[derive(BlockOutput)]
pub enum JsonPathOutput {
    /// The value found at the path.
    Value(Value),
}

/// Extracts the value at a path such as `a.b[2].c` or `/a/b/2/c` from a JSON
/// document. A path that leads nowhere fails the run, naming the first segment that
/// did not match and what was there instead.
#[block(id = "63e233e7-e9b4-4483-996e-74095a1bd1f2", categories(Data), tests = json_path_cases)]
pub struct JsonPathBlock;

impl Run for JsonPathBlock {
    type Input = JsonPathInput;
    type Output = JsonPathOutput;

    async fn run(&self, input: JsonPathInput, _ctx: &RunContext, out: &Emit<JsonPathOutput>) -> Result<(), BlockError> {
        let segments = path::parse(&input.path)?;
        let value = path::lookup(&input.data, &segments)?.clone();
        out.emit(JsonPathOutput::Value(value)).await
    }
}

fn json_path_cases() -> Vec<TestCase<JsonPathBlock>> {
    let data = || {
        json!({
            "user": {
                "name": "Ada",
                "tags": ["math", "engines"],
                "addresses": [{"city": "London"}, {"city": "Paris"}],
                "a.b": {"c/d": 1}
            }
        })
    };
    let case = |name: &str, path: &str| TestCase::new(name, JsonPathInput { data: data(), path: path.into() });
    vec![
        case("follows keys and indexes", "user.addresses[1].city").output(JsonPathOutput::Value(json!("Paris"))),
        case("accepts a leading $", "$.user.name").output(JsonPathOutput::Value(json!("Ada"))),
        case("a negative index counts from the end", "user.tags[-1]").output(JsonPathOutput::Value(json!("engines"))),
        case("a numeric key indexes a list", "user.tags.0").output(JsonPathOutput::Value(json!("math"))),
        case("quoted keys may contain dots", r#"user["a.b"]['c/d']"#).output(JsonPathOutput::Value(json!(1))),
        case("a JSON pointer works too, with escapes", "/user/a.b/c~1d").output(JsonPathOutput::Value(json!(1))),
        case("a JSON pointer indexes lists", "/user/addresses/0")
            .output(JsonPathOutput::Value(json!({"city": "London"}))),
        case("the empty path selects the whole document", "").output(JsonPathOutput::Value(data())),
        case("a missing key names the failing segment and the keys there", "user.email").error_containing(
            "fails at `.email`: `user` has no key `email` (it has `name`, `tags`, `addresses`, `a.b`)",
        ),
        case("an index past the end says how many items there are", "user.addresses[5].city")
            .error_containing("fails at `[5]`: index 5 is out of range; `user.addresses` has 2 items"),
        case("descending into a string fails at that segment", "user.name.first")
            .error_containing("fails at `.first`: `user.name` is a string, which has no keys or items"),
        case("a key on a list asks for an index", "user.tags.first")
            .error_containing("`user.tags` is a list, not an object"),
        case("a malformed path says where", "user[0")
            .error_containing("`[` at character 5 of `user[0` is never closed"),
        TestCase::json("a null document has nothing inside", json!({"data": null, "path": "a"}))
            .error_containing("fails at `a`: the document is null"),
        TestCase::json("the path must be a string", json!({"data": {}, "path": 3})).invalid_input(["/path"]),
    ]
}
