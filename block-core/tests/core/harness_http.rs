//! The harness runs a block's real HTTP client code against mocked exchanges.

use block_core::http::Exchange;
use block_core::prelude::*;
use block_core::testing::run_cases;

/// Input of the lookup block.
#[derive(BlockInput)]
pub struct LookupInput {
    /// The user to look up.
    pub login: String,
}

/// Outputs of the lookup block.
#[derive(BlockOutput)]
pub enum LookupOutput {
    /// The user's display name.
    Name(String),
}

/// Looks a user up on a public API.
#[block(id = "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b", categories(Basic), untested = "cases are in this file")]
pub struct LookupBlock;

impl Run for LookupBlock {
    type Input = LookupInput;
    type Output = LookupOutput;
    async fn run(&self, input: LookupInput, ctx: &RunContext, out: &Emit<LookupOutput>) -> Result<(), BlockError> {
        let url = format!("https://api.people.test/users/{}", input.login);
        let user: Value = ctx.http().get(&url).send().await?.error_for_status()?.json()?;
        let name = user["name"].as_str().ok_or_else(|| BlockError::new("the response has no name"))?;
        out.emit(LookupOutput::Name(name.to_owned())).await
    }
}

#[test]
fn a_mocked_exchange_answers_the_blocks_real_request() {
    let cases = vec![
        TestCase::new("finds ada", LookupInput { login: "ada".into() })
            .http(Exchange::get("https://api.people.test/users/ada").respond_json(200, json!({"name": "Ada L."})))
            .output(LookupOutput::Name("Ada L.".into())),
        TestCase::new("maps a 404 to an error", LookupInput { login: "nobody".into() })
            .http(
                Exchange::get("https://api.people.test/users/nobody")
                    .respond_json(404, json!({"message": "Not Found"})),
            )
            .error_containing("404"),
    ];
    assert_eq!(run_cases::<LookupBlock>(cases).expect("passes"), 2);
}

#[test]
fn an_unmocked_request_fails_the_case_and_is_named() {
    let cases = vec![
        TestCase::new("asks for bob", LookupInput { login: "bob".into() })
            .http(Exchange::get("https://api.people.test/users/ada").respond_json(200, json!({"name": "Ada"})))
            .error_containing("unmocked"),
    ];
    let failure = run_cases::<LookupBlock>(cases).expect_err("bob is not mocked").to_string();
    assert!(failure.contains("unmocked request: GET https://api.people.test/users/bob"), "{failure}");
    assert!(failure.contains("closest declared exchange (#1): GET https://api.people.test/users/ada"), "{failure}");
    assert!(failure.contains("- URL path: expected `/users/ada`, sent `/users/bob`"), "{failure}");
    assert!(failure.contains("never requested: GET https://api.people.test/users/ada"), "{failure}");
}

#[test]
fn a_case_without_exchanges_never_reaches_the_network() {
    let cases = vec![TestCase::new("no mocks", LookupInput { login: "ada".into() }).error_containing("unmocked")];
    let failure = run_cases::<LookupBlock>(cases).expect_err("the request is unmocked").to_string();
    assert!(failure.contains("unmocked request: GET https://api.people.test/users/ada"), "{failure}");
}
