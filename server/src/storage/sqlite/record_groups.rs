//! How the record writer shapes a group of writes before committing it: a
//! run's end folded into its row (one insert of the ended run), and the rows of
//! runs still running held for the next group, where most meet their end.

use crate::domain::{Run, RunEvent};
use crate::storage::RunEnd;

/// One queued write.
pub(super) enum Write {
    /// A run answered inline, stored running, held by `worker` until
    /// `lease_until` (or, once its end was folded in, stored ended and held by
    /// nobody).
    Run {
        /// The run.
        run: Box<Run>,
        /// Its worker and the end of its lease (Unix milliseconds).
        lease: Option<(String, i64)>,
        /// Its events, once its end was folded in (see [`fold_ends`]).
        events: Vec<RunEvent>,
    },
    /// Events of runs.
    Events(Vec<RunEvent>),
    /// How a run ended.
    End(Box<RunEnd>),
    /// Nothing: a flush marker.
    Nothing,
}

/// Folds the end of a run into the row written for it in the same group: one
/// insert of the ended run instead of an insert and an update of the same row
/// (most runs answered inline start and end within one commit), and its events
/// of the group onto that row instead of a row each. The group is committed as a
/// whole, so no reader could have seen the row or its events in between; if it
/// is retried write by write, the folded row still says the same.
pub(super) fn fold_ends(writes: &mut [Write]) {
    // Each inline run's row in the group, and the event writes of that run alone.
    let mut rows: foldhash::HashMap<String, (usize, Vec<usize>)> = foldhash::HashMap::default();
    for index in 0..writes.len() {
        let (row, pending) = match &writes[index] {
            Write::Run { run, lease: Some(_), .. } => {
                rows.insert(run.id.clone(), (index, Vec::new()));
                continue;
            }
            Write::Events(events) => {
                if let Some(first) = events.first()
                    && events.iter().all(|event| event.run_id == first.run_id)
                    && let Some((_, pending)) = rows.get_mut(&first.run_id)
                {
                    pending.push(index);
                }
                continue;
            }
            Write::End(end) => match rows.remove(&end.id) {
                Some(found) => found,
                None => continue,
            },
            _ => continue,
        };
        let Write::End(end) = std::mem::replace(&mut writes[index], Write::Nothing) else { continue };
        let mut folded = Vec::new();
        for pending in pending {
            if let Write::Events(events) = std::mem::replace(&mut writes[pending], Write::Nothing) {
                folded.extend(events);
            }
        }
        // As rows in run_events: in order, a repeated number keeping the first.
        folded.sort_by_key(|event| event.seq);
        folded.dedup_by_key(|event| event.seq);
        if let Write::Run { run, lease, events } = &mut writes[row] {
            run.status = end.status;
            run.outputs = end.outputs;
            run.truncated = end.truncated;
            run.error = end.error;
            run.charged = end.charged;
            run.finished_at = Some(end.finished_at);
            *lease = None;
            *events = folded;
        }
    }
}

/// Takes out of `writes` the rows of runs still running, queued at `from` or
/// later, with their events of this group: written with the next group instead
/// (or after the writer's shortest interval between commits, if nothing
/// else comes), where most of them meet their end and [`fold_ends`] makes one
/// row of each. A run answered
/// inline usually ends within microseconds, but one that started just before a
/// group was taken ends in the next; written now, it would cost a row stored
/// running, a row per event, and an update of the row when it ends. Held once
/// only: a row carried from the last group is written whatever its state.
///
/// A run is not held when any other write of the group names it (an event
/// write of several runs), so that its writes keep their order.
pub(super) fn hold_back(writes: &mut [Write], from: usize) -> Vec<Write> {
    // Each running row's index, and those of the event writes of that run alone.
    let mut rows: foldhash::HashMap<&str, (usize, Vec<usize>)> = foldhash::HashMap::default();
    let mut named: foldhash::HashSet<&str> = foldhash::HashSet::default();
    for (index, write) in writes.iter().enumerate().skip(from) {
        match write {
            Write::Run { run, lease: Some(_), .. } => {
                rows.insert(&run.id, (index, Vec::new()));
            }
            Write::Events(events) => {
                let alone = events.first().and_then(|first| {
                    events.iter().all(|event| event.run_id == first.run_id).then_some(first.run_id.as_str())
                });
                match alone.and_then(|id| rows.get_mut(id)) {
                    Some((_, pending)) => pending.push(index),
                    None => named.extend(events.iter().map(|event| event.run_id.as_str())),
                }
            }
            Write::End(end) => {
                named.insert(&end.id);
            }
            Write::Run { .. } | Write::Nothing => {}
        }
    }
    let mut taken: Vec<usize> = rows
        .into_iter()
        .filter(|(id, _)| !named.contains(id))
        .flat_map(|(_, (row, pending))| std::iter::once(row).chain(pending))
        .collect();
    taken.sort_unstable();
    taken.into_iter().map(|index| std::mem::replace(&mut writes[index], Write::Nothing)).collect()
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::domain::{Run, RunEvent};
    use crate::domain::{RunKind, RunSource, RunStatus};
    use crate::storage::RunEnd;

    pub(in crate::storage::sqlite) fn run(id: &str) -> Write {
        let run = Run {
            id: id.to_owned(),
            kind: RunKind::Block,
            user_id: "u".to_owned(),
            block_id: "b".to_owned(),
            parent_id: None,
            source: RunSource::Api,
            source_ref: None,
            status: RunStatus::Running,
            input: Value::Null,
            outputs: Map::new(),
            truncated: Vec::new(),
            error: None,
            charged: 0,
            created_at: 1,
            started_at: Some(1),
            finished_at: None,
            callback_url: None,
        };
        Write::Run { run: Box::new(run), lease: Some(("w".to_owned(), 9)), events: Vec::new() }
    }

    pub(in crate::storage::sqlite) fn events(id: &str, seqs: &[u64]) -> Write {
        Write::Events(
            seqs.iter()
                .map(|&seq| RunEvent { run_id: id.to_owned(), seq, name: "e".to_owned(), data: json!(seq), at: 2 })
                .collect(),
        )
    }

    pub(in crate::storage::sqlite) fn end(id: &str) -> Write {
        Write::End(Box::new(RunEnd {
            id: id.to_owned(),
            status: RunStatus::Completed,
            outputs: Map::new(),
            truncated: Vec::new(),
            error: None,
            charged: 3,
            finished_at: 4,
        }))
    }

    #[test]
    fn a_run_begun_and_ended_in_one_group_is_one_row_carrying_its_events() {
        let mut writes =
            vec![run("a"), events("a", &[1]), run("b"), events("b", &[1]), events("a", &[3, 2, 2]), end("a")];
        fold_ends(&mut writes);
        let Write::Run { run, lease, events } = &writes[0] else { panic!("the row stays first") };
        assert_eq!(
            (run.status, run.charged, run.finished_at, lease.is_none()),
            (RunStatus::Completed, 3, Some(4), true)
        );
        assert_eq!(events.iter().map(|event| event.seq).collect::<Vec<_>>(), [1, 2, 3], "in order, once each");
        assert!(matches!(writes[1], Write::Nothing) && matches!(writes[4], Write::Nothing));
        assert!(matches!(writes[5], Write::Nothing), "the end is on the row");
        // b did not end in this group: stored running, its events as rows.
        assert!(matches!(&writes[2], Write::Run { lease: Some(_), events, .. } if events.is_empty()));
        assert!(matches!(&writes[3], Write::Events(events) if events.len() == 1));
    }

    #[test]
    fn events_of_a_run_stored_earlier_or_of_several_runs_stay_rows() {
        let mut writes = vec![
            events("a", &[1]),
            run("b"),
            events("b", &[1]),
            end("a"),
            {
                let Write::Events(mut mixed) = events("b", &[2]) else { unreachable!() };
                let Write::Events(other) = events("c", &[1]) else { unreachable!() };
                mixed.extend(other);
                Write::Events(mixed)
            },
            end("b"),
        ];
        fold_ends(&mut writes);
        assert!(matches!(writes[0], Write::Events(_)), "a's row was written before this group");
        assert!(matches!(writes[3], Write::End(_)), "so its end is an update");
        assert!(matches!(writes[4], Write::Events(ref events) if events.len() == 2), "a write of two runs stays");
        let Write::Run { events, lease, .. } = &writes[1] else { panic!("b's row") };
        assert_eq!((events.len(), lease.is_none()), (1, true));
    }

    #[test]
    fn a_running_row_without_its_end_is_held_with_its_events_for_the_next_group() {
        // c's row was carried from the last group: written whatever its state.
        let mut writes = vec![run("c"), run("a"), events("a", &[1]), run("b"), events("b", &[1]), end("b")];
        fold_ends(&mut writes);
        let held = hold_back(&mut writes, 1);
        assert_eq!(held.len(), 2, "a's row and its events");
        assert!(matches!(&held[0], Write::Run { run, lease: Some(_), .. } if run.id == "a"));
        assert!(matches!(&held[1], Write::Events(events) if events[0].run_id == "a"));
        assert!(matches!(&writes[0], Write::Run { run, lease: Some(_), .. } if run.id == "c"), "carried rows stay");
        assert!(matches!(&writes[3], Write::Run { run, lease: None, .. } if run.id == "b"), "b ended: written");
        assert!(matches!(writes[1], Write::Nothing) && matches!(writes[2], Write::Nothing));
    }

    #[test]
    fn a_run_another_write_names_is_not_held() {
        let Write::Events(mut mixed) = events("a", &[2]) else { unreachable!() };
        let Write::Events(other) = events("z", &[1]) else { unreachable!() };
        mixed.extend(other);
        let mut writes = vec![run("a"), events("a", &[1]), Write::Events(mixed)];
        fold_ends(&mut writes);
        assert!(hold_back(&mut writes, 0).is_empty(), "its writes keep their order");
        assert!(matches!(writes[0], Write::Run { .. }) && matches!(writes[1], Write::Events(_)));
    }
}
