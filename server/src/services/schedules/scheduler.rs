//! The scheduler of this process: sleeps until the next fire time of any
//! schedule (at most [`MAX_SLEEP`], so that schedules created by another
//! process, or the command line, are seen), claims each due fire, and queues
//! its run for the workers.

use std::time::Duration;

use tokio::sync::watch;

use super::{CronSchedule, FirePlan, plan};
use crate::domain::{RunKind, RunSource, Schedule, ScheduleTarget, now_millis};
use crate::services::graphs::{self, GraphRunRequest};
use crate::services::run_input;
use crate::services::runs::{self, NewRun};
use crate::services::{AppState, ServiceError};
use crate::storage::{FireClaim, FireResult};

/// The longest the scheduler sleeps between two looks at the schedules.
const MAX_SLEEP: Duration = Duration::from_secs(1);

/// The shortest, so that a fire that cannot be taken (a busy storage) is not
/// retried in a tight loop.
const MIN_SLEEP: Duration = Duration::from_millis(10);

/// How many due schedules one look takes; more are taken by the next look,
/// at once.
const BATCH: u32 = 100;

/// The running scheduler of this process.
pub struct Scheduler {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Scheduler {
    /// Starts the scheduler over `state`.
    pub fn start(state: AppState) -> Scheduler {
        let (stop, stopping) = watch::channel(false);
        let task = tokio::spawn(run_scheduler(state, stopping));
        Scheduler { stop, task }
    }

    /// Stops it: the fire being taken finishes (its run is queued), nothing
    /// more is.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the scheduler stopped abnormally");
        }
    }
}

async fn run_scheduler(state: AppState, mut stopping: watch::Receiver<bool>) {
    while !*stopping.borrow() {
        let now = now_millis();
        let wait = match state.storage().due_schedules(now, BATCH).await {
            Ok(due) => {
                let full = due.len() >= BATCH as usize;
                for schedule in due {
                    fire(&state, schedule, now).await;
                }
                if full {
                    continue;
                }
                until_next_fire(&state).await
            }
            Err(error) => {
                tracing::error!(%error, "reading the due schedules failed");
                MAX_SLEEP
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            // A dropped `Scheduler` (its server's future was dropped) stops it
            // too, rather than leaving it to spin on a closed channel.
            changed = stopping.changed() => if changed.is_err() { return },
        }
    }
}

/// How long until the next fire time of any schedule, within the bounds.
async fn until_next_fire(state: &AppState) -> Duration {
    match state.storage().earliest_fire().await {
        Ok(Some(at)) => {
            let millis = u64::try_from(at.saturating_sub(now_millis())).unwrap_or(0);
            Duration::from_millis(millis).clamp(MIN_SLEEP, MAX_SLEEP)
        }
        Ok(None) => MAX_SLEEP,
        Err(error) => {
            tracing::error!(%error, "reading the next fire time failed");
            MAX_SLEEP
        }
    }
}

/// Takes the due fire of `schedule` (unless another process took it first)
/// and queues its run.
async fn fire(state: &AppState, schedule: Schedule, now: i64) {
    let timing = CronSchedule::parse(&schedule.cron, &schedule.timezone);
    let plan = match &timing {
        Ok(timing) => plan(&schedule, timing, now),
        // Stored schedules were checked when created; one whose time zone a
        // newer database no longer knows stops, saying why.
        Err(_) => schedule.next_fire_at.map(|due| FirePlan { due, next: None, queues_run: false, missed: false }),
    };
    let Some(plan) = plan else { return };
    let claim =
        FireClaim { id: schedule.id.clone(), due: plan.due, next: plan.next, fired_at: plan.queues_run.then_some(now) };
    match state.storage().claim_fire(claim).await {
        Ok(true) => {}
        // Another process took this fire.
        Ok(false) => return,
        Err(error) => {
            tracing::error!(%error, schedule = %schedule.id, "claiming a schedule's fire failed");
            return;
        }
    }
    if let Err(problems) = timing {
        let reasons: Vec<String> = problems.into_iter().map(|problem| problem.message).collect();
        let reason = format!("the schedule stopped: {}", reasons.join("; "));
        tracing::warn!(schedule = %schedule.id, %reason, "a schedule can no longer be read");
        record(state, &schedule, FireResult::Failed(reason)).await;
        return;
    }
    if plan.missed {
        tracing::info!(
            schedule = %schedule.id,
            policy = schedule.missed.as_str(),
            late_ms = now - plan.due,
            "fires were missed while no server ran"
        );
    }
    if !plan.queues_run {
        return;
    }
    let result = match queue(state, &schedule).await {
        Ok(run_id) => FireResult::Queued(run_id),
        Err(refusal) => {
            tracing::warn!(schedule = %schedule.id, code = refusal.code(), "a schedule's run could not be queued");
            FireResult::Failed(refusal.message().to_owned())
        }
    };
    record(state, &schedule, result).await;
}

/// Queues the run of one fire; its id.
async fn queue(state: &AppState, schedule: &Schedule) -> Result<String, ServiceError> {
    if let ScheduleTarget::Graph { graph_id, graph_version } = &schedule.target {
        let (node_input, credentials_inputs) = super::graph_target::graph_input(schedule);
        let request = GraphRunRequest {
            version: *graph_version,
            credentials_inputs,
            source_ref: Some(schedule.id.clone()),
            ..GraphRunRequest::new(&schedule.user_id, graph_id, node_input, RunSource::Schedule)
        };
        return Ok(graphs::start_run(state, request).await?.id);
    }
    let block = runs::runnable_block(state, schedule.target.id())?;
    let new = NewRun {
        kind: RunKind::Schedule,
        source_ref: Some(schedule.id.clone()),
        ..NewRun::block(&schedule.user_id, RunSource::Schedule)
    };
    let mut input = schedule.input.clone();
    run_input::unseal(state.cipher(), block, &mut input)
        .map_err(|message| ServiceError::internal("opening a schedule's input", message))?;
    Ok(runs::enqueue(state, new, block, input).await?.run.id)
}

async fn record(state: &AppState, schedule: &Schedule, result: FireResult) {
    if let Err(error) = state.storage().record_fire(&schedule.id, result).await {
        tracing::error!(%error, schedule = %schedule.id, "recording a schedule's fire failed");
    }
}
