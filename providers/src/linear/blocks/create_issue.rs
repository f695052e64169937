//! `LinearCreateIssueBlock`: creates an issue with the `issueCreate` mutation.

use block_core::prelude::*;

use super::api_mocks::{graphql, graphql_error};
use crate::linear::{LinearClient, LinearCredentials, LinearError};

/// Resolves a team key (`ENG`) to the team's id.
const TEAM_BY_KEY: &str =
    "query TeamByKey($key: String!) { teams(filter: { key: { eq: $key } }) { nodes { id key name } } }";

/// Creates the issue and reads back what people use.
const ISSUE_CREATE: &str = "mutation IssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id identifier title url priority state { name } team { key } } } }";

/// How urgent an issue is, as Linear numbers it (0 to 4).
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// No priority (0).
    NoPriority,
    /// Urgent (1).
    Urgent,
    /// High (2).
    High,
    /// Medium (3).
    Medium,
    /// Low (4).
    Low,
}

impl Priority {
    fn number(self) -> u8 {
        match self {
            Priority::NoPriority => 0,
            Priority::Urgent => 1,
            Priority::High => 2,
            Priority::Medium => 3,
            Priority::Low => 4,
        }
    }
}

/// Inputs of `LinearCreateIssueBlock`.
#[derive(BlockInput)]
pub struct LinearCreateIssueInput {
    /// The team: its key (`ENG`) or its id.
    #[block_input(placeholder = "ENG", min_length = 1)]
    pub team: String,
    /// The issue's title.
    #[block_input(min_length = 1, max_length = 255)]
    pub title: String,
    /// The issue's description, in Markdown.
    #[block_input(default = "")]
    pub description: String,
    /// How urgent it is.
    #[block_input(default = "no_priority")]
    pub priority: Priority,
    /// The id of the member to assign it to.
    #[block_input(advanced)]
    pub assignee_id: Option<String>,
    /// Ids of labels to put on it.
    #[block_input(default = [], advanced)]
    pub label_ids: Vec<String>,
    /// A Linear personal API key or OAuth login allowed to create issues.
    #[block_input(scopes = ["write"])]
    pub credentials: LinearCredentials,
}

/// Outputs of `LinearCreateIssueBlock`.
#[derive(BlockOutput)]
pub enum LinearCreateIssueOutput {
    /// The issue's id.
    Id(String),
    /// The issue's identifier, e.g. `ENG-123`.
    Identifier(String),
    /// The issue's page on linear.app.
    Url(String),
    /// The issue: `id`, `identifier`, `title`, `url`, `priority`, `state`, `team`.
    Issue(Value),
}

/// Creates an issue in a Linear team, with a Markdown description, a priority, an
/// assignee and labels.
#[block(
    id = "81adbfba-41c9-478b-a450-5edc5c0417f6",
    categories(IssueTracking, Productivity),
    tests = create_issue_cases
)]
pub struct LinearCreateIssueBlock;

impl Run for LinearCreateIssueBlock {
    type Input = LinearCreateIssueInput;
    type Output = LinearCreateIssueOutput;

    async fn run(
        &self,
        input: LinearCreateIssueInput,
        ctx: &RunContext,
        out: &Emit<LinearCreateIssueOutput>,
    ) -> Result<(), BlockError> {
        let linear = LinearClient::from_credentials(ctx.http(), input.credentials.get())?;
        let team = input.team.trim();
        let team_id = if is_uuid(team) { team.to_owned() } else { team_id(&linear, team).await? };
        let mut issue = json!({"teamId": team_id, "title": input.title, "priority": input.priority.number()});
        if !input.description.is_empty() {
            issue["description"] = json!(input.description);
        }
        if let Some(assignee) = input.assignee_id.filter(|id| !id.is_empty()) {
            issue["assigneeId"] = json!(assignee);
        }
        if !input.label_ids.is_empty() {
            issue["labelIds"] = json!(input.label_ids);
        }
        let data = linear.query(ISSUE_CREATE, json!({"input": issue}), &format!("team `{team}`")).await?;
        let created = &data["issueCreate"];
        if created["success"].as_bool() != Some(true) {
            return Err(BlockError::new("Linear did not create the issue (`success` is false)"));
        }
        let issue = created["issue"].clone();
        let field = |key: &str| {
            issue[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| BlockError::new(format!("Linear's answer has no issue `{key}`")))
        };
        out.emit(LinearCreateIssueOutput::Id(field("id")?)).await?;
        out.emit(LinearCreateIssueOutput::Identifier(field("identifier")?)).await?;
        out.emit(LinearCreateIssueOutput::Url(field("url")?)).await?;
        out.emit(LinearCreateIssueOutput::Issue(issue)).await
    }
}

/// The id of the team whose key is `key`.
async fn team_id(linear: &LinearClient<'_>, key: &str) -> Result<String, LinearError> {
    let target = format!("team `{key}`");
    let data = linear.query(TEAM_BY_KEY, json!({"key": key}), &target).await?;
    data["teams"]["nodes"][0]["id"].as_str().map(str::to_owned).ok_or_else(|| LinearError::NotFound {
        target,
        message: "no team has this key; give the team's key as shown in its issue identifiers, or its id".into(),
    })
}

/// Whether `text` is shaped like a UUID (Linear's ids are).
fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

const TEAM_ID: &str = "9cfb482a-81e3-4154-b5b9-2c805e70a02d";

fn create_issue_cases() -> Vec<TestCase<LinearCreateIssueBlock>> {
    let created = issue_answer();
    let issue = created["data"]["issueCreate"]["issue"].clone();
    let outputs = || {
        [
            LinearCreateIssueOutput::Id("a1b2c3d4-0000-4000-8000-000000000123".into()),
            LinearCreateIssueOutput::Identifier("ENG-123".into()),
            LinearCreateIssueOutput::Url("https://linear.app/acme/issue/ENG-123/crash-on-start".into()),
            LinearCreateIssueOutput::Issue(issue.clone()),
        ]
    };
    let team_found = json!({"data": {"teams": {"nodes": [{"id": TEAM_ID, "key": "ENG", "name": "Engineering"}]}}});
    vec![
        TestCase::new("finds the team by its key and creates the issue", input("ENG"))
            .http(graphql(TEAM_BY_KEY, json!({"key": "ENG"})).respond_json(200, team_found))
            .http(
                graphql(
                    ISSUE_CREATE,
                    json!({"input": {"teamId": TEAM_ID, "title": "Crash on start", "priority": 2,
                                      "description": "It crashes.", "labelIds": ["bug-label-id"]}}),
                )
                .respond_json(200, created.clone()),
            )
            .outputs(outputs()),
        TestCase::new("takes a team id as it is", input(TEAM_ID))
            .http(
                graphql(
                    ISSUE_CREATE,
                    json!({"input": {"teamId": TEAM_ID, "title": "Crash on start", "priority": 2,
                                      "description": "It crashes.", "labelIds": ["bug-label-id"]}}),
                )
                .respond_json(200, created),
            )
            .outputs(outputs()),
        TestCase::new("names a team key no team has", input("NOPE"))
            .http(
                graphql(TEAM_BY_KEY, json!({"key": "NOPE"}))
                    .respond_json(200, json!({"data": {"teams": {"nodes": []}}})),
            )
            .error_containing("Linear found no team `NOPE`"),
        TestCase::new("explains a key Linear refuses", input("ENG"))
            .http(graphql_error(
                graphql(TEAM_BY_KEY, json!({"key": "ENG"})),
                400,
                "authentication error",
                "Authentication required, not authenticated",
            ))
            .error_containing("Linear refused the credentials (Authentication required, not authenticated)"),
        TestCase::new("says until when the rate limit holds", input(TEAM_ID))
            .http(
                graphql(
                    ISSUE_CREATE,
                    json!({"input": {"teamId": TEAM_ID, "title": "Crash on start", "priority": 2,
                                      "description": "It crashes.", "labelIds": ["bug-label-id"]}}),
                )
                .respond_json(
                    400,
                    json!({"errors": [{"message": "Rate limit exceeded",
                                       "extensions": {"code": "RATELIMITED", "type": "ratelimited"}}]}),
                )
                .response_header("x-ratelimit-requests-reset", "1700000000000"),
            )
            .error_containing("Linear rate limited these credentials until Tue, 14 Nov 2023 22:13:20 GMT"),
        TestCase::new("passes on what Linear found invalid", input(TEAM_ID))
            .http(graphql_error(
                graphql(
                    ISSUE_CREATE,
                    json!({"input": {"teamId": TEAM_ID, "title": "Crash on start", "priority": 2,
                                      "description": "It crashes.", "labelIds": ["bug-label-id"]}}),
                ),
                200,
                "invalid input",
                "labelIds contains an invalid id",
            ))
            .error_containing("Linear rejected the input: labelIds contains an invalid id"),
        TestCase::json("needs a title", json!({"team": "ENG", "title": "", "credentials": test_meta()}))
            .invalid_input(["/title"]),
    ]
}

fn input(team: &str) -> LinearCreateIssueInput {
    LinearCreateIssueInput {
        team: team.into(),
        title: "Crash on start".into(),
        description: "It crashes.".into(),
        priority: Priority::High,
        assignee_id: None,
        label_ids: vec!["bug-label-id".into()],
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: LinearCredentials = Credentials::test();
    json!(credentials.meta())
}

/// Linear's answer to `issueCreate`.
fn issue_answer() -> Value {
    json!({"data": {"issueCreate": {"success": true, "issue": {
        "id": "a1b2c3d4-0000-4000-8000-000000000123",
        "identifier": "ENG-123",
        "title": "Crash on start",
        "url": "https://linear.app/acme/issue/ENG-123/crash-on-start",
        "priority": 2,
        "state": {"name": "Todo"},
        "team": {"key": "ENG"},
    }}}})
}
