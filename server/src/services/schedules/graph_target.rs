//! Schedules that run a graph: the graph and the inputs checked together when
//! the schedule is made (every problem listed), the values of secret graph
//! inputs sealed while the schedule waits; each fire queues a graph run.

use serde_json::{Map, Value, json};

use super::{ScheduleView, check_timing, invalid, view};
use crate::domain::{Cipher, MissedFires, Schedule, ScheduleTarget, User, new_id, now_millis};
use crate::services::{ServiceError, graphs, run_input};
use crate::storage::{GraphStore, ScheduleStore};
use block_core::Registry;
use block_core::graph::GraphInputs;

/// What a new graph schedule is.
#[derive(Debug, Clone)]
pub struct NewGraphSchedule {
    /// The graph: one of the user's.
    pub graph_id: String,
    /// The version each fire runs; the active one at the time of the fire when
    /// `None`.
    pub graph_version: Option<u32>,
    /// Values of the graph's inputs, by name.
    pub node_input: Map<String, Value>,
    /// Credentials for the graph's credentials inputs, by key.
    pub credentials_inputs: Map<String, Value>,
    /// The cron pattern.
    pub cron: String,
    /// The IANA time zone; the user's own when `None`.
    pub timezone: Option<String>,
    /// What happens to fire times missed while no server ran.
    pub missed: MissedFires,
    /// A name; the graph's name when `None`.
    pub name: Option<String>,
}

/// Creates a schedule of `user`'s graph, after checking the graph (404 when
/// the user has no such graph or version), the inputs against it, the pattern
/// and the time zone: every problem in one 422 (`invalid_schedule`, inputs
/// under `/input/<name>`, credentials under `/credentials_inputs/<key>`).
pub async fn create_for_graph<S: ScheduleStore + GraphStore + ?Sized>(
    storage: &S,
    registry: &Registry,
    cipher: &Cipher,
    user: &User,
    new: NewGraphSchedule,
) -> Result<ScheduleView, ServiceError> {
    let graph = graphs::get(storage, &user.id, &new.graph_id, new.graph_version).await?;
    let timezone = new.timezone.clone().unwrap_or_else(|| user.timezone.clone());
    let name = new.name.clone().map(|name| name.trim().to_owned()).unwrap_or_else(|| graph.name.clone());
    let mut problems = Vec::new();
    let timing = check_timing(&mut problems, &new.cron, &timezone, &name);
    let inputs = GraphInputs { values: new.node_input, credentials: new.credentials_inputs, ..GraphInputs::default() };
    if let Err(error) = graph.graph.validate_run(registry, &inputs) {
        let refused = graphs::invalid_graph(&graph.graph, &error);
        for found in refused.details()["problems"].as_array().into_iter().flatten() {
            let path = found["path"].as_str().unwrap_or_default();
            let path = path.strip_prefix("/node_input").map_or_else(|| path.to_owned(), |rest| format!("/input{rest}"));
            problems.push((path, found["message"].as_str().unwrap_or_default().to_owned()));
        }
    }
    let Some(timing) = timing.filter(|_| problems.is_empty()) else {
        return Err(invalid(problems));
    };
    let mut node_input = inputs.values;
    for node in graph.graph.input_nodes() {
        let secret = node.input_default.get("secret").and_then(Value::as_bool).unwrap_or(false);
        if let (true, Some(name)) = (secret, node.io_name())
            && let Some(value) = node_input.get_mut(name)
        {
            run_input::seal_value(cipher, value)?;
        }
    }
    let input = json!({"node_input": node_input, "credentials_inputs": inputs.credentials});
    let now = now_millis();
    let schedule = Schedule {
        id: new_id(),
        user_id: user.id.clone(),
        name,
        target: ScheduleTarget::Graph { graph_id: graph.id.clone(), graph_version: new.graph_version },
        input,
        cron: new.cron.trim().to_owned(),
        timezone: timing.timezone().to_owned(),
        missed: new.missed,
        next_fire_at: timing.next_after(now).ok(),
        created_at: now,
        last_fired_at: None,
        last_run_id: None,
        last_error: None,
    };
    storage.create_schedule(schedule.clone()).await?;
    Ok(view(registry, schedule, now))
}

/// The stored input of a graph schedule: its graph input values (secret ones
/// still sealed: the graph run keeps them so) and its credentials inputs.
pub(super) fn graph_input(schedule: &Schedule) -> (Map<String, Value>, Map<String, Value>) {
    let part = |key: &str| match schedule.input.get(key) {
        Some(Value::Object(values)) => values.clone(),
        _ => Map::new(),
    };
    (part("node_input"), part("credentials_inputs"))
}
