//! Runs: every execution of a block (or, later, a graph) is one, with its input,
//! its outputs per pin, its status and what it was charged; and the ordered
//! events a client can follow and resume.

use serde::Serialize;
use serde_json::{Map, Value};

/// What a run runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// A block run on its own.
    Block,
    /// A graph (an agent).
    Graph,
    /// One node execution of a graph run.
    GraphNode,
    /// A trigger block, run by a webhook delivery or a poll.
    Trigger,
    /// A block run by a schedule.
    Schedule,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Waiting for a worker.
    Queued,
    /// Claimed by a worker (or answered inline) and not finished.
    Running,
    /// Finished without an `error` output.
    Completed,
    /// Finished with an `error` output, or could not start.
    Failed,
    /// Stopped by its owner, or abandoned by the caller who was waiting for it.
    Stopped,
    /// The server stopped (a crash, or a shutdown past its grace period) after the
    /// block started; what it was charged was refunded.
    Interrupted,
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunSource {
    /// An API request answered with JSON (or queued with `Prefer: respond-async`).
    Api,
    /// An API request answered with Server-Sent Events.
    Stream,
    /// A webhook delivery.
    Webhook,
    /// A schedule.
    Schedule,
    /// A poll of a polling trigger.
    Poll,
    /// A graph run (for its node runs).
    Graph,
    /// A tool call of an MCP client.
    Mcp,
}

macro_rules! names {
    ($type:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $type {
            /// The stored (and wire) name.
            pub const fn as_str(self) -> &'static str {
                match self { $($type::$variant => $name),* }
            }

            /// The value named `text`.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($name => Some($type::$variant),)* _ => None }
            }
        }
    };
}

names!(RunKind { Block => "block", Graph => "graph", GraphNode => "graph_node", Trigger => "trigger", Schedule => "schedule" });
names!(RunStatus {
    Queued => "queued", Running => "running", Completed => "completed", Failed => "failed", Stopped => "stopped",
    Interrupted => "interrupted",
});
names!(RunSource { Api => "api", Stream => "stream", Webhook => "webhook", Schedule => "schedule", Poll => "poll", Graph => "graph", Mcp => "mcp" });

impl RunStatus {
    /// Whether the run is over.
    pub const fn is_final(self) -> bool {
        !matches!(self, RunStatus::Queued | RunStatus::Running)
    }
}

/// One run, as stored and as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Run {
    /// A UUID v7: the id the block sees as its execution id.
    pub id: String,
    /// What it runs.
    pub kind: RunKind,
    /// Who it runs for.
    pub user_id: String,
    /// The block it runs (for a graph run, the graph's id).
    pub block_id: String,
    /// The run it belongs to (a graph run, for a node's run).
    pub parent_id: Option<String>,
    /// What started it.
    pub source: RunSource,
    /// The delivery, schedule or request that started it, when there is one.
    pub source_ref: Option<String>,
    /// Where it is.
    pub status: RunStatus,
    /// The input, credentials as their meta only (never a secret).
    #[schema(value_type = Object)]
    pub input: Value,
    /// Every value each pin emitted, in order, up to the run's output budget.
    #[schema(value_type = Object)]
    pub outputs: Map<String, Value>,
    /// Pins whose later values were not kept (the budget was spent).
    pub truncated: Vec<String>,
    /// The `error` output, or why the run did not start.
    pub error: Option<String>,
    /// Credits charged for it (net of refunds).
    pub charged: u64,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds the block started, if it did.
    pub started_at: Option<i64>,
    /// Unix milliseconds it ended.
    pub finished_at: Option<i64>,
    /// Where the run record is posted when the run ends.
    pub callback_url: Option<String>,
}

/// A run's events, in order: its outputs, then `run.end` saying how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RunEvent {
    /// The run.
    pub run_id: String,
    /// 1, 2, 3, ... within the run: the Server-Sent Event id, for resuming.
    pub seq: u64,
    /// An output pin's name, or `run.end`.
    pub name: String,
    /// The output's value, or the end's `{status, error, charged}`.
    #[schema(value_type = Object)]
    pub data: Value,
    /// Unix milliseconds.
    pub at: i64,
}

impl RunEvent {
    /// The name of the last event of a run: `{status, error, charged}`.
    pub const END: &'static str = "run.end";
}

/// Unix milliseconds, now.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}
