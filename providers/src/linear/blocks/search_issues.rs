//! `LinearSearchIssuesBlock`: issues found by text with the `searchIssues` query.

use block_core::prelude::*;

use super::api_mocks::{graphql, graphql_error};
use crate::linear::{LinearClient, LinearCredentials};

/// The search, and what is read of each issue.
const SEARCH_ISSUES: &str = "query SearchIssues($term: String!, $first: Int, $includeArchived: Boolean) { searchIssues(term: $term, first: $first, includeArchived: $includeArchived) { nodes { id identifier title url priority state { name } assignee { name } team { key } createdAt updatedAt } } }";

/// Inputs of `LinearSearchIssuesBlock`.
#[derive(BlockInput)]
pub struct LinearSearchIssuesInput {
    /// The words to look for in titles, descriptions and comments.
    #[block_input(min_length = 1, placeholder = "login crash")]
    pub term: String,
    /// The most issues to return.
    #[block_input(default = 25, min = 1, max = 100)]
    pub max_results: u32,
    /// Also search archived issues.
    #[block_input(default = false)]
    pub include_archived: bool,
    /// A Linear personal API key or OAuth login allowed to read issues.
    #[block_input(scopes = ["read"])]
    pub credentials: LinearCredentials,
}

/// Outputs of `LinearSearchIssuesBlock`.
#[derive(BlockOutput)]
pub enum LinearSearchIssuesOutput {
    /// One issue: `id`, `identifier`, `title`, `url`, `priority`, `state`,
    /// `assignee`, `team`, `createdAt`, `updatedAt`.
    Issue(Value),
    /// Every issue found, best match first.
    Issues(Vec<Value>),
}

/// Searches the issues of a Linear workspace by text, best match first.
#[block(id = "2aeba48b-2d3b-4f78-a546-a3f42ce59140", categories(IssueTracking, Search), tests = search_cases)]
pub struct LinearSearchIssuesBlock;

impl Run for LinearSearchIssuesBlock {
    type Input = LinearSearchIssuesInput;
    type Output = LinearSearchIssuesOutput;

    async fn run(
        &self,
        input: LinearSearchIssuesInput,
        ctx: &RunContext,
        out: &Emit<LinearSearchIssuesOutput>,
    ) -> Result<(), BlockError> {
        let linear = LinearClient::from_credentials(ctx.http(), input.credentials.get())?;
        let variables =
            json!({"term": input.term, "first": input.max_results, "includeArchived": input.include_archived});
        let data = linear.query(SEARCH_ISSUES, variables, "issues").await?;
        let issues = data["searchIssues"]["nodes"]
            .as_array()
            .ok_or_else(|| BlockError::new("Linear's answer has no `searchIssues.nodes` list"))?
            .clone();
        for issue in &issues {
            out.emit(LinearSearchIssuesOutput::Issue(issue.clone())).await?;
        }
        out.emit(LinearSearchIssuesOutput::Issues(issues)).await
    }
}

fn search_cases() -> Vec<TestCase<LinearSearchIssuesBlock>> {
    let first = issue("ENG-123", "Crash on login");
    let second = issue("ENG-98", "Login button misaligned");
    let variables = json!({"term": "login", "first": 25, "includeArchived": false});
    vec![
        TestCase::new("lists the issues found, best match first", input("login"))
            .http(
                graphql(SEARCH_ISSUES, variables.clone())
                    .respond_json(200, json!({"data": {"searchIssues": {"nodes": [first.clone(), second.clone()]}}})),
            )
            .outputs([
                LinearSearchIssuesOutput::Issue(first.clone()),
                LinearSearchIssuesOutput::Issue(second.clone()),
                LinearSearchIssuesOutput::Issues(vec![first, second]),
            ]),
        TestCase::new("finds nothing without failing", input("zebra"))
            .http(
                graphql(SEARCH_ISSUES, json!({"term": "zebra", "first": 25, "includeArchived": false}))
                    .respond_json(200, json!({"data": {"searchIssues": {"nodes": []}}})),
            )
            .output(LinearSearchIssuesOutput::Issues(Vec::new())),
        TestCase::new("explains credentials without access", input("login"))
            .http(graphql_error(
                graphql(SEARCH_ISSUES, variables),
                200,
                "forbidden",
                "You don't have access to this team",
            ))
            .error_containing("Linear denied access: You don't have access to this team"),
        TestCase::json("needs a term", json!({"term": "", "credentials": test_meta()})).invalid_input(["/term"]),
    ]
}

fn input(term: &str) -> LinearSearchIssuesInput {
    LinearSearchIssuesInput {
        term: term.into(),
        max_results: 25,
        include_archived: false,
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: LinearCredentials = Credentials::test();
    json!(credentials.meta())
}

fn issue(identifier: &str, title: &str) -> Value {
    json!({
        "id": format!("id-{identifier}"),
        "identifier": identifier,
        "title": title,
        "url": format!("https://linear.app/acme/issue/{identifier}"),
        "priority": 2,
        "state": {"name": "In Progress"},
        "assignee": {"name": "Ada Lovelace"},
        "team": {"key": "ENG"},
        "createdAt": "2024-05-01T10:00:00.000Z",
        "updatedAt": "2024-05-02T10:00:00.000Z",
    })
}
