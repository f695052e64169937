//! Schedules: run a block (or a graph) with a stored input whenever a cron pattern matches
//! the wall clock of a time zone. Creating one checks everything at once (the
//! block, its input against the block's schema, the pattern, the time zone)
//! and lists every problem; the [`Scheduler`] of each server process queues
//! one run per fire time, and a fire happens once however many processes share
//! the storage (each is claimed with a compare-and-set on the stored next fire
//! time).
//!
//! Fire times missed while no server was running follow the schedule's
//! [`MissedFires`] policy: `skip` queues nothing for them, `run_once` queues
//! one run for all of them; either way the schedule goes on from the next fire
//! time after now. A fire is missed when it is more than [`MISSED_AFTER`]
//! late; fires that fall behind by less (a busy storage) are called on time,
//! several at once as one run.
//!
//! The functions here take the storage and the registry rather than the whole
//! state, so that the command line manages schedules on a data directory the
//! way the API does.

mod cron;
mod firing;
mod graph_target;
mod scheduler;

use std::time::Duration;

use block_core::{RegisteredBlock, Registry, Value};
use serde_json::json;

pub use cron::{CronSchedule, FireTime, NoFireTime, TimingProblem};
pub use firing::{FirePlan, plan};
pub use graph_target::{NewGraphSchedule, create_for_graph};
pub use scheduler::Scheduler;

use super::run_input;
use super::{Refusal, ServiceError};
use crate::domain::{Cipher, MissedFires, Schedule, ScheduleTarget, User, new_id, now_millis};
use crate::storage::ScheduleStore;

/// How late a fire may be called and still count as on time.
pub const MISSED_AFTER: Duration = Duration::from_secs(60);

/// How many fire times a schedule's view lists.
pub const UPCOMING: usize = 5;

/// The longest name a schedule may have, in characters.
const MAX_NAME_CHARS: usize = 200;

/// The longest cron pattern, in characters (the longest useful one is far
/// shorter).
const MAX_CRON_CHARS: usize = 256;

/// What a new schedule is.
#[derive(Debug, Clone)]
pub struct NewSchedule {
    /// The block to run: its id or its name.
    pub block: String,
    /// The block's input.
    pub input: Value,
    /// The cron pattern.
    pub cron: String,
    /// The IANA time zone; the user's own when `None`.
    pub timezone: Option<String>,
    /// What happens to fire times missed while no server ran.
    pub missed: MissedFires,
    /// A name; the block's name when `None`.
    pub name: Option<String>,
}

/// A schedule with its next fire times, as it is shown.
#[derive(Debug, Clone)]
pub struct ScheduleView {
    /// The schedule, the values of the input fields its block marks `secret`
    /// hidden (the stored input keeps them, for its runs).
    pub schedule: Schedule,
    /// Its next [`UPCOMING`] fire times (none when its pattern has no fire time
    /// left).
    pub next_fires: Vec<FireTime>,
}

/// Creates a schedule for `user`, after checking the block, the input against
/// its schema, the pattern and the time zone: every problem found is listed in
/// one 422 (`invalid_schedule`, each with the JSON pointer of its field in the
/// request, e.g. `/cron` or `/input/text`).
pub async fn create<S: ScheduleStore + ?Sized>(
    storage: &S,
    registry: &Registry,
    cipher: &Cipher,
    user: &User,
    new: NewSchedule,
) -> Result<ScheduleView, ServiceError> {
    let block = enabled_block(registry, &new.block)?;
    let timezone = new.timezone.clone().unwrap_or_else(|| user.timezone.clone());
    let mut problems = Vec::new();
    let name = new.name.clone().map(|name| name.trim().to_owned()).unwrap_or_else(|| block.name().to_owned());
    let timing = check_timing(&mut problems, &new.cron, &timezone, &name);
    let mut input = new.input;
    let (_ignored, found) = block.normalise_and_check(&mut input);
    problems.extend(found.into_iter().map(|found| problem(&format!("/input{}", found.path), found.message)));
    let Some(timing) = timing.filter(|_| problems.is_empty()) else {
        return Err(invalid(problems));
    };
    // The input waits here until every fire: its secret fields are sealed.
    run_input::seal(cipher, block, &mut input)?;
    let now = now_millis();
    let schedule = Schedule {
        id: new_id(),
        user_id: user.id.clone(),
        name,
        target: ScheduleTarget::Block { block_id: block.id().to_owned() },
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

/// Checks a schedule's pattern, time zone and name, adding what is wrong to
/// `problems`; the pattern read, when nothing was.
fn check_timing(problems: &mut Vec<(String, String)>, cron: &str, timezone: &str, name: &str) -> Option<CronSchedule> {
    if cron.chars().count() > MAX_CRON_CHARS {
        problems.push(problem("/cron", format!("the pattern is longer than {MAX_CRON_CHARS} characters")));
    }
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        problems.push(problem("/name", format!("a name has 1 to {MAX_NAME_CHARS} characters")));
    }
    if !problems.is_empty() {
        return None;
    }
    CronSchedule::parse(cron, timezone)
        .map_err(|found| {
            problems.extend(found.into_iter().map(|found| problem(&format!("/{}", found.field), found.message)));
        })
        .ok()
}

/// `user_id`'s schedules, oldest first, each with its next fire times.
pub async fn list<S: ScheduleStore + ?Sized>(
    storage: &S,
    registry: &Registry,
    user_id: &str,
) -> Result<Vec<ScheduleView>, ServiceError> {
    let now = now_millis();
    Ok(storage.schedules(user_id).await?.into_iter().map(|schedule| view(registry, schedule, now)).collect())
}

/// Deletes `user_id`'s schedule `id`; runs it already queued stay.
pub async fn delete<S: ScheduleStore + ?Sized>(storage: &S, user_id: &str, id: &str) -> Result<(), ServiceError> {
    if storage.delete_schedule(user_id, id).await? {
        Ok(())
    } else {
        Err(ServiceError::not_found("schedule_not_found", format!("no schedule `{id}`")))
    }
}

/// `schedule` as shown, with its next fire times as of `now`: from its stored
/// next fire time, unless that one is missed (then from now on, where the
/// scheduler will take it up).
pub fn view(registry: &Registry, mut schedule: Schedule, now: i64) -> ScheduleView {
    match &schedule.target {
        ScheduleTarget::Block { block_id } => {
            if let Some(block) = registry.by_id(block_id) {
                run_input::mask(block, &mut schedule.input);
            }
        }
        ScheduleTarget::Graph { .. } => {
            if let Some(Value::Object(values)) = schedule.input.get_mut("node_input") {
                run_input::mask_sealed(values);
            }
        }
    }
    let next_fires = match (CronSchedule::parse(&schedule.cron, &schedule.timezone), schedule.next_fire_at) {
        (Ok(timing), Some(next)) => {
            let first = if firing::is_missed(next, now) { timing.next_after(now).ok() } else { Some(next) };
            first.map(|first| timing.upcoming(first, UPCOMING)).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    ScheduleView { schedule, next_fires }
}

/// The block `id` (an id or a name), enabled.
fn enabled_block<'r>(registry: &'r Registry, id: &str) -> Result<&'r RegisteredBlock, ServiceError> {
    let block = registry.find(id.trim()).ok_or_else(|| ServiceError::unknown_block(id))?;
    if block.descriptor().disabled {
        return Err(ServiceError::block_disabled(block.name()));
    }
    Ok(block)
}

fn problem(path: &str, message: String) -> (String, String) {
    (path.to_owned(), message)
}

fn invalid(problems: Vec<(String, String)>) -> ServiceError {
    let summary: Vec<String> = problems.iter().map(|(path, message)| format!("{path}: {message}")).collect();
    let list: Vec<Value> = problems.iter().map(|(path, message)| json!({"path": path, "message": message})).collect();
    ServiceError::new(Refusal::Invalid, "invalid_schedule", format!("invalid schedule: {}", summary.join("; ")))
        .with_details(json!({"problems": list}))
}
