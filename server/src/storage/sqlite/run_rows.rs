//! Inserting runs: one at a time, or many in one statement (the record writer's
//! groups), which pays a statement's set-up and end (its cursors on the table
//! and each index, its halt and reset) once for up to [`BATCH`] runs instead of
//! once a run. Every run is inserted here, and each graph run is counted in
//! `graph_run_counts` here.

use std::sync::OnceLock;

use rusqlite::types::ToSql;
use rusqlite::{Connection, params, params_from_iter};
use serde_json::Value;

use super::Cached;
use crate::domain::{Run, RunEvent, RunKind};

/// Most runs one statement inserts; a group's rest goes in statements of
/// [`SMALL_BATCH`], then one by one. Two sizes keep the statements the cache
/// holds few, and leave at most `SMALL_BATCH - 1` single inserts a group.
const BATCH: usize = 16;
const SMALL_BATCH: usize = 4;

/// The values one run binds.
const COLUMNS: usize = 21;

/// The insert of `rows` runs (1, [`SMALL_BATCH`] or [`BATCH`]), made once.
fn insert_sql(rows: usize) -> &'static str {
    static SQL: [OnceLock<String>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = match rows {
        BATCH => 2,
        SMALL_BATCH => 1,
        _ => 0,
    };
    SQL[slot].get_or_init(|| {
        let row = format!("({})", vec!["?"; COLUMNS].join(", "));
        format!(
            "INSERT INTO runs (id, kind, user_id, block_id, parent_id, source, source_ref, status, input, outputs, \
             truncated, error, charged, created_at, started_at, finished_at, callback_url, block_started, \
             lease_owner, lease_until, events) VALUES {}",
            vec![row; rows.max(1)].join(", ")
        )
    })
}

/// A run as its insert binds it: `block_started` set when it has a start time,
/// held by `worker` until `lease_until` if it is running, with `events` kept on
/// its row (a run that started and ended within one commit).
pub(super) struct RunRow<'a> {
    run: &'a Run,
    worker: Option<&'a str>,
    lease_until: Option<i64>,
    kind: &'static str,
    source: &'static str,
    status: &'static str,
    input: String,
    outputs: String,
    truncated: String,
    charged: i64,
    block_started: bool,
    events: Option<String>,
}

impl<'a> RunRow<'a> {
    pub(super) fn new(run: &'a Run, worker: Option<&'a str>, lease_until: Option<i64>, events: &[RunEvent]) -> Self {
        RunRow {
            run,
            worker,
            lease_until,
            kind: run.kind.as_str(),
            source: run.source.as_str(),
            status: run.status.as_str(),
            input: json_text(&run.input),
            outputs: json_text(&run.outputs),
            truncated: json_text(&run.truncated),
            charged: i64::try_from(run.charged).unwrap_or(i64::MAX),
            block_started: run.started_at.is_some(),
            events: (!events.is_empty()).then(|| folded_events_text(events)),
        }
    }

    /// Its values, in the columns' order.
    fn bind(&'a self, values: &mut Vec<&'a dyn ToSql>) {
        let run = self.run;
        values.extend_from_slice(&[
            &run.id as &dyn ToSql,
            &self.kind,
            &run.user_id,
            &run.block_id,
            &run.parent_id,
            &self.source,
            &run.source_ref,
            &self.status,
            &self.input,
            &self.outputs,
            &self.truncated,
            &run.error,
            &self.charged,
            &run.created_at,
            &run.started_at,
            &run.finished_at,
            &run.callback_url,
            &self.block_started,
            &self.worker,
            &self.lease_until,
            &self.events,
        ]);
    }
}

/// Inserts a run (see [`RunRow`]).
pub(super) fn insert_leased(
    conn: &Connection,
    run: &Run,
    worker: Option<&str>,
    lease_until: Option<i64>,
    events: &[RunEvent],
) -> rusqlite::Result<()> {
    insert_rows(conn, &[RunRow::new(run, worker, lease_until, events)])
}

/// Inserts `rows`, in order, in statements of up to [`BATCH`] runs.
pub(super) fn insert_rows(conn: &Connection, rows: &[RunRow<'_>]) -> rusqlite::Result<()> {
    let mut rest = rows;
    while !rest.is_empty() {
        let size = [BATCH, SMALL_BATCH].into_iter().find(|size| rest.len() >= *size).unwrap_or(1);
        let (chunk, after) = rest.split_at(size);
        let mut values: Vec<&dyn ToSql> = Vec::with_capacity(size * COLUMNS);
        for row in chunk {
            row.bind(&mut values);
        }
        conn.execute_cached(insert_sql(size), params_from_iter(values))?;
        rest = after;
    }
    for row in rows.iter().filter(|row| row.run.kind == RunKind::Graph) {
        // The store's figures read each graph's number of runs from here.
        conn.execute_cached(
            "INSERT INTO graph_run_counts (graph_id, runs) VALUES (?1, 1)
             ON CONFLICT (graph_id) DO UPDATE SET runs = runs + 1",
            params![row.run.block_id],
        )?;
    }
    Ok(())
}

pub(super) fn json_text(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// One folded event on a run's row: `[seq, name, data, at]`.
pub(super) type FoldedEvent<'a> = (u64, std::borrow::Cow<'a, str>, std::borrow::Cow<'a, Value>, i64);

/// The events kept on a run's row (a run that started and ended within one
/// commit): a JSON array of `[seq, name, data, at]`.
fn folded_events_text(events: &[RunEvent]) -> String {
    let folded: Vec<FoldedEvent<'_>> = events
        .iter()
        .map(|event| (event.seq, event.name.as_str().into(), std::borrow::Cow::Borrowed(&event.data), event.at))
        .collect();
    serde_json::to_string(&folded).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
pub(super) mod tests {
    use rusqlite::Connection;
    use serde_json::{Map, json};

    use super::*;
    use crate::domain::{RunSource, RunStatus};
    use crate::storage::sqlite::migrations::migrate;
    use crate::storage::sqlite::runs::{run_columns, run_row};

    fn migrated() -> Connection {
        let mut conn = Connection::open_in_memory().expect("an in-memory database");
        migrate(&mut conn).expect("the schema");
        conn
    }

    /// Run `index`: every fifth a graph run (of two graphs), the rest block runs.
    fn run(index: usize) -> Run {
        let graph = index.is_multiple_of(5);
        Run {
            id: format!("r{index:02}"),
            kind: if graph { RunKind::Graph } else { RunKind::Block },
            user_id: format!("u{}", index % 3),
            block_id: if graph { format!("g{}", index % 2) } else { "b".to_owned() },
            parent_id: (index % 4 == 1).then(|| "p".to_owned()),
            source: RunSource::Api,
            source_ref: None,
            status: if index.is_multiple_of(2) { RunStatus::Completed } else { RunStatus::Running },
            input: json!({"n": index}),
            outputs: Map::from_iter([("result".to_owned(), json!([index]))]),
            truncated: Vec::new(),
            error: index.is_multiple_of(7).then(|| "failed".to_owned()),
            charged: index as u64,
            created_at: 1,
            started_at: Some(2),
            finished_at: index.is_multiple_of(2).then_some(3),
            callback_url: None,
        }
    }

    type Stored = (Run, Option<String>, Option<String>, Option<i64>);

    fn stored(conn: &Connection) -> Vec<Stored> {
        let sql = concat!("SELECT ", run_columns!(), ", events, lease_owner, lease_until FROM runs ORDER BY id");
        conn.prepare(sql)
            .expect("a query")
            .query_map([], |row| Ok((run_row(row)?, row.get(17)?, row.get(18)?, row.get(19)?)))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("readable")
    }

    /// Each graph's number of runs, by graph.
    pub(in crate::storage::sqlite) fn counts(conn: &Connection) -> Vec<(String, i64)> {
        conn.prepare("SELECT graph_id, runs FROM graph_run_counts ORDER BY graph_id")
            .expect("a query")
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("readable")
    }

    #[test]
    fn runs_inserted_together_are_stored_as_each_alone() {
        // 23 runs: one statement of 16, one of 4, three single ones.
        let runs: Vec<Run> = (0..23).map(run).collect();
        let events = [RunEvent { run_id: "r03".to_owned(), seq: 1, name: "result".to_owned(), data: json!(3), at: 2 }];
        let lease = |index: usize| (index % 2 == 1).then_some(("w", 9));
        let kept = |index: usize| if index == 3 { &events[..] } else { &[] };
        let (together, alone) = (migrated(), migrated());
        let rows: Vec<RunRow<'_>> = runs
            .iter()
            .enumerate()
            .map(|(index, run)| RunRow::new(run, lease(index).map(|l| l.0), lease(index).map(|l| l.1), kept(index)))
            .collect();
        insert_rows(&together, &rows).expect("inserted together");
        for (index, run) in runs.iter().enumerate() {
            insert_leased(&alone, run, lease(index).map(|l| l.0), lease(index).map(|l| l.1), kept(index))
                .expect("inserted alone");
        }
        let (both, each) = (stored(&together), stored(&alone));
        assert_eq!(both.len(), 23, "every run is stored");
        assert_eq!(both, each, "the same rows either way");
        assert_eq!(both.iter().map(|row| row.0.clone()).collect::<Vec<_>>(), runs, "as given");
        assert!(both[3].1.as_deref().is_some_and(|events| events.contains("\"result\"")), "events on their row");
        assert_eq!(counts(&together), [("g0".to_owned(), 3), ("g1".to_owned(), 2)], "graph runs counted");
        assert_eq!(counts(&together), counts(&alone));
    }

    #[test]
    fn a_failing_run_fails_its_whole_statement() {
        let conn = migrated();
        // One statement of four, the last with the first's id.
        let runs = [run(1), run(2), run(3), run(1)];
        let rows: Vec<RunRow<'_>> = runs.iter().map(|run| RunRow::new(run, None, None, &[])).collect();
        let error = insert_rows(&conn, &rows).expect_err("the same id twice");
        assert!(error.to_string().contains("UNIQUE"), "{error}");
        assert!(stored(&conn).is_empty(), "nothing of the statement is kept");
    }
}
