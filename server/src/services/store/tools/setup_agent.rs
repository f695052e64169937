//! `setup-agent`: a store agent set up to run for the caller on a schedule, or
//! on a provider's webhook for an agent whose graph starts with a webhook
//! trigger node (see [`super::setup_webhook`]).
//!
//! As in the reference, setting an agent up adds it to the caller's library
//! first: the caller gets their own copy of the store agent's graph (made once
//! per listing, moved on to a new version when the creator publishes one), and
//! the schedule runs that copy with the caller's inputs and credentials. The
//! copy's runs count as the store agent's.

use serde_json::{Map, Value, json};

use super::resolve::{Resolved, resolve, webhook_trigger};
use super::response::{ScheduleCreated, ToolResponse};
use super::setup::{Readiness, readiness, refused, requirements};
use crate::domain::{MissedFires, StoredGraph, User, now_millis};
use crate::services::schedules::{self, NewGraphSchedule};
use crate::services::{AppState, ServiceError, graphs};
use crate::storage::LibraryCopy;

/// How `setup-agent` sets an agent up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SetupType {
    /// A schedule: a run on each fire time of a cron pattern.
    #[default]
    Schedule,
    /// A webhook trigger: a run on each event a provider's webhook sends.
    Webhook,
}

/// What `setup-agent` is asked.
#[derive(Debug, Clone, Default)]
pub struct SetupRequest {
    /// A schedule or a webhook trigger.
    pub setup_type: SetupType,
    /// A name for it.
    pub name: String,
    /// The cron pattern (a schedule).
    pub cron: Option<String>,
    /// The IANA time zone of the pattern; the caller's when `None`.
    pub timezone: Option<String>,
    /// Values of the agent's inputs, for every run.
    pub inputs: Map<String, Value>,
    /// For a webhook: what the webhook watches (`resource`), the signing
    /// secret a provider issued (`webhook_secret`), and values of the trigger
    /// node's inputs (its event filter, ...), as the reference's trigger config.
    pub webhook_config: Map<String, Value>,
}

/// `setup-agent`: a schedule that runs the store agent `address` for `user`
/// with `request.inputs` and the caller's matching credentials.
pub async fn setup_agent(
    state: &AppState,
    user: &User,
    address: &str,
    request: SetupRequest,
) -> Result<ToolResponse, ServiceError> {
    let resolved = match resolve(state.storage().as_ref(), state.registry(), address).await? {
        Ok(resolved) => resolved,
        Err(answer) => return Ok(answer),
    };
    let triggered = webhook_trigger(state.registry(), &resolved.graph).is_some();
    match (request.setup_type, triggered) {
        (SetupType::Webhook, true) => {
            return super::setup_webhook::setup_webhook(state, user, &resolved, request).await;
        }
        (SetupType::Webhook, false) => {
            return Ok(ToolResponse::error(
                "This agent has no webhook trigger block: set it up with setup_type 'schedule', or run it with \
                 run-agent",
                "no_webhook_trigger",
            ));
        }
        (SetupType::Schedule, true) => {
            return Ok(ToolResponse::error(
                "This agent is started by a provider's webhook: set it up with setup_type 'webhook'",
                "webhook_agent",
            ));
        }
        (SetupType::Schedule, false) => {}
    }
    let cron = request.cron.as_deref().map(str::trim).unwrap_or_default().to_owned();
    if cron.is_empty() {
        return Ok(ToolResponse::invalid(
            "A schedule needs a cron pattern, e.g. '0 9 * * 1-5' for 9:00 on weekdays",
            "missing_cron",
            json!({"problems": [{"path": "/cron", "message": "a cron pattern is required for a schedule"}]}),
        ));
    }
    let ready: Readiness = readiness(state, user, &resolved.graph, &request.inputs).await?;
    if !ready.ready() {
        let name = &resolved.agent.listing.latest.name;
        let message = format!("Agent '{name}' cannot be set up yet: it needs {}", ready.lacking());
        return Ok(requirements(state, &resolved, ready, message));
    }
    let copy = library_copy(state, user, &resolved).await?;
    let new = NewGraphSchedule {
        graph_id: copy.id.clone(),
        graph_version: Some(copy.version),
        node_input: request.inputs,
        credentials_inputs: ready.chosen,
        cron,
        timezone: request.timezone.filter(|zone| !zone.trim().is_empty()),
        missed: MissedFires::Skip,
        name: Some(request.name),
    };
    let storage = state.storage().as_ref();
    match schedules::create_for_graph(storage, state.registry(), state.cipher(), user, new).await {
        Ok(view) => {
            let next_run = view.next_fires.first().map(|fire| fire.local.clone());
            let schedule = view.schedule;
            let when = next_run
                .as_deref()
                .map_or_else(|| "never (the pattern has no fire time left)".to_owned(), str::to_owned);
            Ok(ToolResponse::ScheduleCreated(ScheduleCreated {
                message: format!(
                    "Agent '{}' is scheduled as '{}': it first runs at {when}. See it in GET /external-api/v1/schedules; \
                     do not run this tool again unless asked to schedule the agent again.",
                    resolved.agent.listing.latest.name, schedule.name
                ),
                session_id: None,
                schedule_id: schedule.id,
                name: schedule.name,
                cron: schedule.cron,
                timezone: schedule.timezone,
                next_run,
                graph_id: copy.id,
                graph_name: copy.name,
            }))
        }
        Err(error) => refused(state, user, error).await,
    }
}

/// The caller's own copy of the store agent's latest version: the one they have,
/// a new version of it when the creator published since, else a new graph.
pub(super) async fn library_copy(
    state: &AppState,
    user: &User,
    resolved: &Resolved,
) -> Result<StoredGraph, ServiceError> {
    let storage = state.storage().as_ref();
    let listing = &resolved.agent.listing;
    let mut graph = resolved.graph.graph.clone();
    graph.name = listing.latest.name.clone();
    graph.description = listing.latest.description.clone();
    graph.is_active = true;
    let held = storage.library_copy(&user.id, &listing.id).await?;
    let existing = match &held {
        Some(copy) => {
            storage.graph(&user.id, &copy.graph_id, Some(copy.graph_version)).await?.map(|graph| (copy, graph))
        }
        None => None,
    };
    let stored = match existing {
        Some((copy, stored)) if copy.listing_version_id == listing.latest.id => return Ok(stored),
        Some((copy, _)) => graphs::update(storage, state.registry(), &user.id, &copy.graph_id, graph).await?,
        None => graphs::create(storage, state.registry(), &user.id, graph).await?,
    };
    let copy = LibraryCopy {
        graph_id: stored.id.clone(),
        graph_version: stored.version,
        listing_version_id: listing.latest.id.clone(),
    };
    storage.put_library_copy(&user.id, &listing.id, copy, now_millis()).await?;
    Ok(stored)
}
