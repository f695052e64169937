//! The answers of the store tools: tool-response objects in the reference's
//! shapes, each with a `type` saying what it is and a `message` a person (or
//! an assistant) can read. A tool that cannot do what was asked says so in an
//! answer of type `error`, `validation_error`, `no_results`,
//! `insufficient_credits` or `setup_requirements`, not with a failed request.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// One tool's answer, tagged by `type`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolResponse {
    /// Agents found (`find-agent`).
    AgentCarousel(AgentCarousel),
    /// Nothing found (`find-agent`).
    NoResults(NoResults),
    /// One agent in detail (`get-agent-details`).
    AgentDetails(AgentDetailsResponse),
    /// What an agent still needs before it can run (`get-required-setup-info`,
    /// and `run-agent` or `setup-agent` when something is missing).
    SetupRequirements(SetupRequirements),
    /// A run was queued (`run-agent`).
    ExecutionStarted(ExecutionStarted),
    /// A schedule was made (`setup-agent` with `setup_type: schedule`).
    ScheduleCreated(ScheduleCreated),
    /// A webhook trigger was made (`setup-agent` with `setup_type: webhook`).
    WebhookCreated(WebhookCreated),
    /// The caller's credits do not cover a run.
    InsufficientCredits(InsufficientCredits),
    /// A value sent is wrong.
    ValidationError(Failure),
    /// The tool could not do what was asked.
    Error(Failure),
}

impl ToolResponse {
    /// The `type` of this answer, e.g. `execution_started`.
    pub fn kind(&self) -> &'static str {
        match self {
            ToolResponse::AgentCarousel(_) => "agent_carousel",
            ToolResponse::NoResults(_) => "no_results",
            ToolResponse::AgentDetails(_) => "agent_details",
            ToolResponse::SetupRequirements(_) => "setup_requirements",
            ToolResponse::ExecutionStarted(_) => "execution_started",
            ToolResponse::ScheduleCreated(_) => "schedule_created",
            ToolResponse::WebhookCreated(_) => "webhook_created",
            ToolResponse::InsufficientCredits(_) => "insufficient_credits",
            ToolResponse::ValidationError(_) => "validation_error",
            ToolResponse::Error(_) => "error",
        }
    }

    /// An `error` answer.
    pub fn error(message: impl Into<String>, error: &str) -> Self {
        ToolResponse::Error(Failure {
            message: message.into(),
            session_id: None,
            error: error.to_owned(),
            details: None,
        })
    }

    /// A `validation_error` answer with structured details.
    pub fn invalid(message: impl Into<String>, error: &str, details: Value) -> Self {
        ToolResponse::ValidationError(Failure {
            message: message.into(),
            session_id: None,
            error: error.to_owned(),
            details: Some(details),
        })
    }
}

/// An agent in a carousel.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentInfo {
    /// `username/slug`: what the other tools take as `username_agent_slug`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Always `marketplace`.
    pub source: String,
    /// Always `false`: this server has no library.
    pub in_library: bool,
    /// The creator's username.
    pub creator: String,
    /// Its first category (`general` when it has none).
    pub category: String,
    /// Its average rating, 0 to 5.
    pub rating: f64,
    /// Runs of its graph.
    pub runs: u64,
    /// Whether it is featured.
    pub is_featured: bool,
    /// Whether a webhook starts it.
    pub has_external_trigger: bool,
    /// The graph it runs.
    pub graph_id: String,
}

/// Agents found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentCarousel {
    /// What was found, in words.
    pub message: String,
    /// Always `null`: the tools keep no session.
    pub session_id: Option<String>,
    /// A title for the list.
    pub title: String,
    /// The agents, best match first.
    pub agents: Vec<AgentInfo>,
    /// How many.
    pub count: usize,
}

/// Nothing found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoResults {
    /// What was looked for, in words.
    pub message: String,
    /// Always `null`.
    pub session_id: Option<String>,
    /// What to try instead.
    pub suggestions: Vec<String>,
}

/// How an agent can be started.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExecutionOptions {
    /// Now, with `run-agent`.
    pub manual: bool,
    /// On a cron pattern, with `setup-agent`.
    pub scheduled: bool,
    /// By a webhook, with `setup-agent`.
    pub webhook: bool,
}

/// A credentials input of an agent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CredentialsInputInfo {
    /// The input's key (`<provider>_<types>_credentials`).
    pub id: String,
    /// A title for it.
    pub title: String,
    /// The provider.
    pub provider: String,
    /// The kind accepted (the first, when several are).
    #[serde(rename = "type")]
    pub kind: String,
}

/// An agent in detail.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentDetails {
    /// The graph's id.
    pub id: String,
    /// The agent's name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// The graph version the store agent runs.
    pub version: u32,
    /// Always `true`: the store runs its latest version.
    pub is_latest: bool,
    /// Always `false`.
    pub in_library: bool,
    /// Always `true`.
    pub is_marketplace: bool,
    /// The JSON schema of its inputs.
    #[schema(value_type = Object)]
    pub inputs: Value,
    /// The credentials it needs.
    pub credentials: Vec<CredentialsInputInfo>,
    /// How it can be started.
    pub execution_options: ExecutionOptions,
    /// What a webhook trigger needs, for an agent a webhook starts.
    #[schema(value_type = Option<Object>)]
    pub trigger_info: Option<Value>,
    /// Its store figures: `runs` and `rating`.
    #[schema(value_type = Object)]
    pub stats: Value,
}

/// An agent in detail.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentDetailsResponse {
    /// Which agent, in words.
    pub message: String,
    /// Always `null`.
    pub session_id: Option<String>,
    /// The agent.
    pub agent: AgentDetails,
    /// Always `true`: every tool call is authenticated.
    pub user_authenticated: bool,
    /// The graph's id.
    pub graph_id: String,
    /// The graph version.
    pub graph_version: u32,
}

/// A credentials input and whether the caller has credentials for it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CredentialsRequirement {
    /// The input's key.
    pub key: String,
    /// The provider.
    pub provider: String,
    /// Whether a run needs it.
    pub required: bool,
    /// Whether the caller has matching credentials (their own or the
    /// platform's).
    pub user_has: bool,
    /// The id of the credentials a run would use.
    pub credential_id: Option<String>,
    /// The kinds accepted.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Scopes the credentials need.
    pub scopes: Vec<String>,
}

/// An input of an agent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InputField {
    /// Its name.
    pub name: String,
    /// Its JSON type.
    #[serde(rename = "type")]
    pub kind: String,
    /// What it is for.
    pub description: String,
    /// Whether a run needs it.
    pub required: bool,
    /// Its default value.
    #[schema(value_type = Option<Object>)]
    pub default: Option<Value>,
}

/// A way to start an agent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExecutionMode {
    /// `manual`, `scheduled` or `webhook`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What it does.
    pub description: String,
    /// Whether this agent supports it.
    pub supported: bool,
    /// What setting it up takes, by field.
    pub config_required: Option<Map<String, Value>>,
}

/// What is missing before the caller can run the agent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserReadiness {
    /// Whether every required credentials input has matching credentials.
    pub has_all_credentials: bool,
    /// The credentials inputs without matching credentials, by key (their
    /// schemas).
    #[schema(value_type = Object)]
    pub missing_credentials: Map<String, Value>,
    /// Required inputs the values sent lack.
    pub missing_inputs: Vec<String>,
    /// Values sent for inputs the agent does not have.
    pub unknown_inputs: Vec<String>,
    /// Whether a run would start with the values sent.
    pub ready_to_run: bool,
}

/// What the agent needs, by kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Requirements {
    /// Its credentials inputs.
    pub credentials: Vec<CredentialsRequirement>,
    /// Its inputs.
    pub inputs: Vec<InputField>,
    /// The ways it can be started.
    pub execution_modes: Vec<ExecutionMode>,
}

/// Everything about setting an agent up.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SetupInfo {
    /// The graph's id.
    pub agent_id: String,
    /// The agent's name.
    pub agent_name: String,
    /// The graph version.
    pub version: u32,
    /// What it needs.
    pub requirements: Requirements,
    /// What the caller still lacks.
    pub user_readiness: UserReadiness,
    /// What to do next, step by step.
    pub setup_instructions: Vec<String>,
}

/// What an agent still needs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SetupRequirements {
    /// Ready or not, and what is missing, in words.
    pub message: String,
    /// Always `null`.
    pub session_id: Option<String>,
    /// The details.
    pub setup_info: SetupInfo,
    /// The graph's id.
    pub graph_id: String,
    /// The graph version.
    pub graph_version: u32,
}

/// A queued run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExecutionStarted {
    /// That it started, in words.
    pub message: String,
    /// Always `null`.
    pub session_id: Option<String>,
    /// The run's id (see `GET /runs/{id}` and the graph's results).
    pub execution_id: String,
    /// The graph it runs.
    pub graph_id: String,
    /// The agent's name.
    pub graph_name: String,
    /// `QUEUED`.
    pub status: String,
}

/// A schedule made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScheduleCreated {
    /// That it was made and when it first fires, in words.
    pub message: String,
    /// Always `null`.
    pub session_id: Option<String>,
    /// The schedule's id (see `/schedules`).
    pub schedule_id: String,
    /// Its name.
    pub name: String,
    /// The cron pattern.
    pub cron: String,
    /// The IANA time zone the pattern is read in.
    pub timezone: String,
    /// Its first fire time, RFC 3339 in the schedule's time zone.
    pub next_run: Option<String>,
    /// The graph it runs.
    pub graph_id: String,
    /// The agent's name.
    pub graph_name: String,
}

/// A webhook trigger made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookCreated {
    /// That it was made and where to send events, in words.
    pub message: String,
    /// Always `null`.
    pub session_id: Option<String>,
    /// The webhook's id.
    pub webhook_id: String,
    /// Where the provider sends its events.
    pub webhook_url: String,
    /// The trigger subscription that starts the agent.
    pub preset_id: Option<String>,
    /// Its name.
    pub name: String,
    /// The graph it runs.
    pub graph_id: String,
    /// The agent's name.
    pub graph_name: String,
}

/// Not enough credits.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InsufficientCredits {
    /// What it costs and what there is, in words.
    pub message: String,
    /// Always `null`.
    pub session_id: Option<String>,
    /// The caller's balance.
    pub balance: f64,
}

/// A failure, in words and as a code.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Failure {
    /// What went wrong and what to do.
    pub message: String,
    /// Always `null`.
    pub session_id: Option<String>,
    /// A stable code, e.g. `agent_not_found`.
    pub error: String,
    /// Structured details, when there are some.
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}
