//! What one fire of a schedule does, decided without any I/O: whether it
//! queues a run, and where the schedule's next fire time moves.

use super::{CronSchedule, MISSED_AFTER};
use crate::domain::{MissedFires, Schedule};

/// What a due schedule's fire does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirePlan {
    /// The stored next fire time this plan starts from (what the claim
    /// compares).
    pub due: i64,
    /// The fire time after this one; `None` when the pattern has none left.
    pub next: Option<i64>,
    /// Whether a run is queued.
    pub queues_run: bool,
    /// Whether the fire was missed (more than [`MISSED_AFTER`] late).
    pub missed: bool,
}

/// Whether a fire due at `due` is missed when called at `now` (both Unix
/// milliseconds).
pub fn is_missed(due: i64, now: i64) -> bool {
    let grace = i64::try_from(MISSED_AFTER.as_millis()).unwrap_or(i64::MAX);
    now.saturating_sub(due) > grace
}

/// The fire of `schedule` at `now`, read with `timing`; `None` when it is not
/// due. The next fire time is always the first one after `now`: fires that
/// fell behind are never queued one by one (a server down for a week does not
/// come back to a week of runs), so a fire called on time also stands for any
/// others due since (a per-second pattern on a busy server).
pub fn plan(schedule: &Schedule, timing: &CronSchedule, now: i64) -> Option<FirePlan> {
    let due = schedule.next_fire_at.filter(|due| *due <= now)?;
    let missed = is_missed(due, now);
    Some(FirePlan {
        due,
        next: timing.next_after(now).ok(),
        queues_run: !missed || schedule.missed == MissedFires::RunOnce,
        missed,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::ScheduleTarget;

    const HOUR: i64 = 3_600_000;

    /// 2025-06-02T10:00:00Z, a Monday.
    const NOW: i64 = 1_748_858_400_000;

    fn hourly(missed: MissedFires, next_fire_at: i64) -> (Schedule, CronSchedule) {
        let schedule = Schedule {
            id: "s".into(),
            user_id: "u".into(),
            name: "hourly".into(),
            target: ScheduleTarget::Block { block_id: "b".into() },
            input: json!({}),
            cron: "0 * * * *".into(),
            timezone: "UTC".into(),
            missed,
            next_fire_at: Some(next_fire_at),
            created_at: 0,
            last_fired_at: None,
            last_run_id: None,
            last_error: None,
        };
        let timing = CronSchedule::parse(&schedule.cron, &schedule.timezone).expect("a valid pattern");
        (schedule, timing)
    }

    #[test]
    fn a_fire_called_on_time_queues_one_run_and_moves_to_the_next_fire_time() {
        let (schedule, timing) = hourly(MissedFires::Skip, NOW);
        let plan = plan(&schedule, &timing, NOW + 1_500).expect("due");
        assert_eq!(plan, FirePlan { due: NOW, next: Some(NOW + HOUR), queues_run: true, missed: false });
    }

    #[test]
    fn nothing_fires_before_its_time() {
        let (schedule, timing) = hourly(MissedFires::Skip, NOW);
        assert_eq!(plan(&schedule, &timing, NOW - 1), None);
    }

    #[test]
    fn skip_queues_nothing_for_fires_missed_while_down_and_goes_on_from_now() {
        let (schedule, timing) = hourly(MissedFires::Skip, NOW - 5 * HOUR);
        let plan = plan(&schedule, &timing, NOW + 10 * 60_000).expect("due");
        assert_eq!(plan, FirePlan { due: NOW - 5 * HOUR, next: Some(NOW + HOUR), queues_run: false, missed: true });
    }

    #[test]
    fn run_once_queues_one_run_for_every_missed_fire_and_goes_on_from_now() {
        let (schedule, timing) = hourly(MissedFires::RunOnce, NOW - 5 * HOUR);
        let plan = plan(&schedule, &timing, NOW + 10 * 60_000).expect("due");
        assert_eq!(plan, FirePlan { due: NOW - 5 * HOUR, next: Some(NOW + HOUR), queues_run: true, missed: true });
    }

    #[test]
    fn a_fire_late_by_less_than_the_grace_is_on_time() {
        let (schedule, timing) = hourly(MissedFires::Skip, NOW);
        assert!(plan(&schedule, &timing, NOW + 59_000).is_some_and(|plan| plan.queues_run && !plan.missed));
        assert!(plan(&schedule, &timing, NOW + 61_000).is_some_and(|plan| !plan.queues_run && plan.missed));
    }
}
