//! What a store agent needs before it runs, and running it.

use block_core::credentials::CredentialStore;
use serde_json::{Map, Value, json};

use super::resolve::{Resolved, resolve, webhook_trigger};
use super::response::*;
use crate::domain::{RunSource, StoredGraph, User};
use crate::services::graphs::{self, GraphRunRequest};
use crate::services::{AppState, Refusal, ServiceError};

/// What the caller has and lacks for one agent, with the values a run takes.
pub(super) struct Readiness {
    credentials: Vec<CredentialsRequirement>,
    /// Credentials meta objects chosen, by credentials input key.
    pub(super) chosen: Map<String, Value>,
    missing_credentials: Map<String, Value>,
    inputs: Vec<InputField>,
    missing_inputs: Vec<String>,
    unknown_inputs: Vec<String>,
}

impl Readiness {
    pub(super) fn ready(&self) -> bool {
        self.missing_credentials.is_empty() && self.missing_inputs.is_empty() && self.unknown_inputs.is_empty()
    }

    /// What is missing, in words.
    pub(super) fn lacking(&self) -> String {
        let mut parts = Vec::new();
        if !self.missing_inputs.is_empty() {
            parts.push(format!("the inputs {}", self.missing_inputs.join(", ")));
        }
        if !self.missing_credentials.is_empty() {
            let keys: Vec<&str> = self.missing_credentials.keys().map(String::as_str).collect();
            parts.push(format!("credentials for {}", keys.join(", ")));
        }
        let mut text = parts.join(" and ");
        if !self.unknown_inputs.is_empty() {
            let unknown = format!("values for unknown inputs {}", self.unknown_inputs.join(", "));
            text = if text.is_empty() { unknown } else { format!("{text}; and it got {unknown}") };
        }
        text
    }
}

/// The caller's readiness to run `graph` with `values`.
pub(super) async fn readiness(
    state: &AppState,
    user: &User,
    graph: &StoredGraph,
    values: &Map<String, Value>,
) -> Result<Readiness, ServiceError> {
    let owned = state.credentials().list(&user.id).await?;
    let mut credentials = Vec::new();
    let mut chosen = Map::new();
    let mut missing_credentials = Map::new();
    let schema = graph.graph.credentials_input_schema(state.registry());
    for input in graph.graph.credentials_inputs(state.registry()) {
        let found = owned.iter().find(|meta| {
            meta.provider == input.provider
                && serde_json::to_value(meta.kind)
                    .ok()
                    .and_then(|kind| kind.as_str().map(|kind| input.types.iter().any(|accepted| accepted == kind)))
                    .unwrap_or(false)
        });
        if let Some(meta) = found {
            chosen.insert(input.key.clone(), serde_json::to_value(meta).unwrap_or(Value::Null));
        } else if input.required {
            missing_credentials.insert(input.key.clone(), schema["properties"][&input.key].clone());
        }
        credentials.push(CredentialsRequirement {
            key: input.key.clone(),
            provider: input.provider.clone(),
            required: input.required,
            user_has: found.is_some(),
            credential_id: found.map(|meta| meta.id.clone()),
            kind: Some(input.types.join(",")),
            scopes: input.scopes.clone(),
        });
    }
    let schema = graph.graph.input_schema();
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let properties = schema["properties"].as_object().cloned().unwrap_or_default();
    let inputs: Vec<InputField> = properties
        .iter()
        .map(|(name, field)| InputField {
            name: name.clone(),
            kind: field["type"].as_str().unwrap_or("string").to_owned(),
            description: field["description"].as_str().unwrap_or_default().to_owned(),
            required: required.contains(&name.as_str()),
            default: field.get("default").cloned(),
        })
        .collect();
    let missing_inputs = inputs
        .iter()
        .filter(|input| input.required && values.get(&input.name).is_none_or(Value::is_null))
        .map(|input| input.name.clone())
        .collect();
    let unknown_inputs = values.keys().filter(|name| !properties.contains_key(*name)).cloned().collect();
    Ok(Readiness { credentials, chosen, missing_credentials, inputs, missing_inputs, unknown_inputs })
}

/// The `setup_requirements` answer for `readiness`.
pub(super) fn requirements(
    state: &AppState,
    resolved: &Resolved,
    readiness: Readiness,
    message: String,
) -> ToolResponse {
    let webhook = webhook_trigger(state.registry(), &resolved.graph).is_some();
    let mut instructions = Vec::new();
    if !readiness.missing_credentials.is_empty() {
        instructions.push(
            "Add the missing credentials with POST /external-api/v1/integrations/{provider}/credentials".to_owned(),
        );
    }
    if !readiness.missing_inputs.is_empty() || !readiness.unknown_inputs.is_empty() {
        instructions.push("Send a value for every required input, and only the agent's inputs".to_owned());
    }
    instructions.push(if webhook {
        "Then call setup-agent with setup_type `webhook`".to_owned()
    } else {
        "Then call run-agent, or setup-agent with setup_type `schedule`".to_owned()
    });
    let cron = json!({"cron": "A cron pattern, e.g. '0 9 * * 1' for Mondays at 9:00", "timezone": "An IANA time zone"});
    let execution_modes = vec![
        ExecutionMode {
            kind: "manual".to_owned(),
            description: "Run the agent now with the inputs given".to_owned(),
            supported: !webhook,
            config_required: None,
        },
        ExecutionMode {
            kind: "scheduled".to_owned(),
            description: "Run the agent on a cron pattern".to_owned(),
            supported: !webhook,
            config_required: cron.as_object().cloned(),
        },
        ExecutionMode {
            kind: "webhook".to_owned(),
            description: "Run the agent on each event the provider's webhook sends".to_owned(),
            supported: webhook,
            config_required: webhook.then(Map::new),
        },
    ];
    let ready = readiness.ready();
    let graph = &resolved.graph;
    ToolResponse::SetupRequirements(SetupRequirements {
        message,
        session_id: None,
        setup_info: SetupInfo {
            agent_id: graph.id.clone(),
            agent_name: resolved.agent.listing.latest.name.clone(),
            version: graph.version,
            requirements: Requirements {
                credentials: readiness.credentials,
                inputs: readiness.inputs,
                execution_modes,
            },
            user_readiness: UserReadiness {
                has_all_credentials: readiness.missing_credentials.is_empty(),
                missing_credentials: readiness.missing_credentials,
                missing_inputs: readiness.missing_inputs,
                unknown_inputs: readiness.unknown_inputs,
                ready_to_run: ready,
            },
            setup_instructions: instructions,
        },
        graph_id: graph.id.clone(),
        graph_version: graph.version,
    })
}

/// `get-required-setup-info`: what the caller still lacks to run the store
/// agent `address` with `inputs`.
pub async fn setup_info(
    state: &AppState,
    user: &User,
    address: &str,
    inputs: Map<String, Value>,
) -> Result<ToolResponse, ServiceError> {
    let resolved = match resolve(state.storage().as_ref(), state.registry(), address).await? {
        Ok(resolved) => resolved,
        Err(answer) => return Ok(answer),
    };
    let readiness = readiness(state, user, &resolved.graph, &inputs).await?;
    let name = &resolved.agent.listing.latest.name;
    let message = if readiness.ready() {
        format!("Agent '{name}' is ready to run with these inputs")
    } else {
        format!("Agent '{name}' is not ready to run: it needs {}", readiness.lacking())
    };
    Ok(requirements(state, &resolved, readiness, message))
}

/// The answer for a refusal of starting a run: bad inputs, not enough
/// credits; anything else is the caller's failure.
pub(super) async fn refused(state: &AppState, user: &User, error: ServiceError) -> Result<ToolResponse, ServiceError> {
    match error.refusal() {
        Refusal::Invalid => {
            Ok(ToolResponse::invalid(error.message().to_owned(), error.code(), error.details().clone()))
        }
        Refusal::PaymentRequired => {
            let balance = state.storage().balance(&user.id).await?;
            Ok(ToolResponse::InsufficientCredits(InsufficientCredits {
                message: format!("Not enough credits to run the agent: {}", error.message()),
                session_id: None,
                balance: balance as f64,
            }))
        }
        Refusal::NotFound | Refusal::Forbidden | Refusal::Conflict => {
            Ok(ToolResponse::error(error.message().to_owned(), error.code()))
        }
        _ => Err(error),
    }
}

/// `run-agent`: queues a run of the store agent `address` for `user` with
/// `inputs` and the caller's matching credentials; answers at once with the
/// run's id. An agent a webhook starts, or one the caller is not ready to run,
/// gets an answer saying what to do instead.
pub async fn run_agent(
    state: &AppState,
    user: &User,
    address: &str,
    inputs: Map<String, Value>,
) -> Result<ToolResponse, ServiceError> {
    let resolved = match resolve(state.storage().as_ref(), state.registry(), address).await? {
        Ok(resolved) => resolved,
        Err(answer) => return Ok(answer),
    };
    if webhook_trigger(state.registry(), &resolved.graph).is_some() {
        return Ok(ToolResponse::error(
            "This agent is started by a webhook: set it up with setup-agent and setup_type 'webhook'",
            "webhook_agent",
        ));
    }
    let readiness = readiness(state, user, &resolved.graph, &inputs).await?;
    let name = resolved.agent.listing.latest.name.clone();
    if !readiness.ready() {
        let message = format!("Agent '{name}' cannot run yet: it needs {}", readiness.lacking());
        return Ok(requirements(state, &resolved, readiness, message));
    }
    let graph = &resolved.graph;
    let request = GraphRunRequest {
        version: Some(graph.version),
        credentials_inputs: readiness.chosen,
        source_ref: Some(format!("store:{}/{}", resolved.agent.creator.username, resolved.agent.listing.slug)),
        ..GraphRunRequest::new(&user.id, &graph.id, inputs, RunSource::Api)
    };
    match graphs::start_stored_run(state, graph, request).await {
        Ok(run) => Ok(ToolResponse::ExecutionStarted(ExecutionStarted {
            message: format!(
                "Agent '{name}' started: run {} is queued. Follow it with GET /external-api/v1/runs/{}; do not run \
                 this tool again unless asked to run the agent again.",
                run.id, run.id
            ),
            session_id: None,
            execution_id: run.id,
            graph_id: graph.id.clone(),
            graph_name: name,
            status: "QUEUED".to_owned(),
        })),
        Err(error) => refused(state, user, error).await,
    }
}
