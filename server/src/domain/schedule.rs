//! Schedules: a target (a block or a graph) run with a stored input each
//! time a cron pattern matches the wall clock of an IANA time zone. What the
//! pattern means and when it fires next is the schedules service's business;
//! here are the nouns the storage keeps.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a schedule runs. Tagged by `kind`, so that a graph target can join
/// without changing the shape of a block one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScheduleTarget {
    /// A block, by its id.
    Block {
        /// The block's id (a UUID; a name given at creation is resolved to it).
        block_id: String,
    },
    /// A graph (an agent) of the schedule's owner.
    Graph {
        /// The graph's id.
        graph_id: String,
        /// The version each fire runs; the active one at the time of the fire
        /// when `None`.
        graph_version: Option<u32>,
    },
}

impl ScheduleTarget {
    /// The stored name of the target's kind.
    pub const fn kind(&self) -> &'static str {
        match self {
            ScheduleTarget::Block { .. } => "block",
            ScheduleTarget::Graph { .. } => "graph",
        }
    }

    /// The id of what it runs.
    pub fn id(&self) -> &str {
        match self {
            ScheduleTarget::Block { block_id } => block_id,
            ScheduleTarget::Graph { graph_id, .. } => graph_id,
        }
    }

    /// The graph version it runs, for a graph target that names one.
    pub fn version(&self) -> Option<u32> {
        match self {
            ScheduleTarget::Graph { graph_version, .. } => *graph_version,
            ScheduleTarget::Block { .. } => None,
        }
    }

    /// The target of `kind` with `id` (and, for a graph, `version`), as
    /// stored; `None` for a kind this version does not know.
    pub fn from_parts(kind: &str, id: String, version: Option<u32>) -> Option<Self> {
        match kind {
            "block" => Some(ScheduleTarget::Block { block_id: id }),
            "graph" => Some(ScheduleTarget::Graph { graph_id: id, graph_version: version }),
            _ => None,
        }
    }
}

/// What happens to fire times that passed while no server was running (or
/// while the scheduler was too far behind to call them on time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissedFires {
    /// Nothing runs for them; the schedule goes on from the next fire time
    /// after now.
    #[default]
    Skip,
    /// One run stands for all of them, then the schedule goes on from the next
    /// fire time after now.
    RunOnce,
}

impl MissedFires {
    /// The stored (and wire) name.
    pub const fn as_str(self) -> &'static str {
        match self {
            MissedFires::Skip => "skip",
            MissedFires::RunOnce => "run_once",
        }
    }

    /// The policy named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "skip" => Some(MissedFires::Skip),
            "run_once" => Some(MissedFires::RunOnce),
            _ => None,
        }
    }
}

/// A schedule as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// A UUID v4.
    pub id: String,
    /// Whose it is; its runs are theirs (and charged to them).
    pub user_id: String,
    /// A name to recognise it by.
    pub name: String,
    /// What it runs.
    pub target: ScheduleTarget,
    /// The input of every run, checked against the target when the schedule
    /// was created (credentials as their meta only, never a secret).
    pub input: Value,
    /// The cron pattern: five fields, or six with seconds first.
    pub cron: String,
    /// The IANA time zone whose wall clock the pattern is read on.
    pub timezone: String,
    /// What happens to fire times missed while no server ran.
    pub missed: MissedFires,
    /// Unix milliseconds of the next fire time; `None` when the pattern has no
    /// fire time left (the schedule is kept, and does nothing).
    pub next_fire_at: Option<i64>,
    /// Unix milliseconds it was created.
    pub created_at: i64,
    /// Unix milliseconds of the last fire that queued a run.
    pub last_fired_at: Option<i64>,
    /// The run the last fire queued.
    pub last_run_id: Option<String>,
    /// Why the last fire queued no run (the block is gone, its input no longer
    /// fits, ...); cleared by the next fire that queues one.
    pub last_error: Option<String>,
}
