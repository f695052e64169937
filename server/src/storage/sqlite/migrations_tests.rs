//! The migrations applied to databases of older versions: what their rows
//! become.

use rusqlite::Connection;

use super::{MIGRATIONS, migrate};
use crate::domain::{Run, RunKind, RunSource, RunStatus};
use crate::storage::sqlite::run_rows::insert_leased;
use crate::storage::sqlite::run_rows::tests::counts;

#[test]
fn execution_records_of_older_versions_become_runs() {
    let mut conn = Connection::open_in_memory().expect("an in-memory database");
    for (index, sql) in MIGRATIONS.iter().enumerate().take(4) {
        conn.execute_batch(sql).expect("an old migration applies");
        conn.pragma_update(None, "user_version", index + 1).expect("the version is set");
    }
    conn.execute_batch(
        "INSERT INTO executions (id, user_id, block_id, source, status, charged, pins, error, started_at, finished_at)
         VALUES ('b', 'u', 'k', 'api', 'completed', 2, '{\"result\":1}', NULL, 10, 11),
                ('a', 'u', 'k', 'webhook', 'running', 0, NULL, NULL, 12, NULL),
                ('c', 'u', 'k', 'stream', 'cancelled', 0, NULL, NULL, 13, 14);",
    )
    .expect("rows of the old table");
    migrate(&mut conn).expect("the new migrations apply");
    let rows: Vec<(String, String, String, i64, i64, bool)> = conn
        .prepare("SELECT id, kind, status, charged, created_at, block_started FROM runs ORDER BY id")
        .expect("a query")
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?)))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("readable");
    assert_eq!(
        rows,
        [
            ("a".to_owned(), "trigger".to_owned(), "running".to_owned(), 0, 12_000, true),
            ("b".to_owned(), "block".to_owned(), "completed".to_owned(), 2, 10_000, true),
            ("c".to_owned(), "block".to_owned(), "stopped".to_owned(), 0, 13_000, true),
        ],
        "a running record stays running for the next start's recovery"
    );
    let without_rowid: i64 = conn
        .query_row("SELECT wr FROM pragma_table_list WHERE name = 'runs'", [], |row| row.get(0))
        .expect("the table list");
    assert_eq!(without_rowid, 1, "the primary key is the table's own order");
    let old: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'executions'", [], |row| row.get(0))
        .expect("the schema");
    assert_eq!(old, 0, "the old table is gone");
}

/// A finished run of `kind` of `graph`, as the server inserts it.
fn run(id: &str, kind: RunKind, graph: &str) -> Run {
    Run {
        id: id.to_owned(),
        kind,
        user_id: "u".to_owned(),
        block_id: graph.to_owned(),
        parent_id: None,
        source: RunSource::Api,
        source_ref: None,
        status: RunStatus::Completed,
        input: serde_json::json!({}),
        outputs: serde_json::Map::new(),
        truncated: Vec::new(),
        error: None,
        charged: 0,
        created_at: 1,
        started_at: Some(1),
        finished_at: Some(2),
        callback_url: None,
    }
}

#[test]
fn graph_run_counts_are_backfilled_then_kept_as_runs_are_inserted() {
    let mut conn = Connection::open_in_memory().expect("an in-memory database");
    for (index, sql) in MIGRATIONS.iter().enumerate().take(14) {
        conn.execute_batch(sql).expect("an old migration applies");
        conn.pragma_update(None, "user_version", index + 1).expect("the version is set");
    }
    let insert = "INSERT INTO runs (id, kind, user_id, block_id, source, status, input, outputs, truncated, charged,
                                    created_at)
                  VALUES (?1, ?2, 'u', ?3, 'api', 'completed', '{}', '{}', '[]', 0, 1)";
    for (id, kind, graph) in
        [("r1", "graph", "g1"), ("r2", "graph", "g1"), ("r3", "graph", "g2"), ("r4", "graph node", "g1")]
    {
        conn.execute(insert, [id, kind, graph]).expect("an old run");
    }
    migrate(&mut conn).expect("the new migrations apply");
    let rows = |pairs: &[(&str, i64)]| pairs.iter().map(|(g, n)| ((*g).to_owned(), *n)).collect::<Vec<_>>();
    assert_eq!(counts(&conn), rows(&[("g1", 2), ("g2", 1)]), "graph runs only, from the runs kept");

    for new in [run("r5", RunKind::Graph, "g1"), run("r6", RunKind::Graph, "g3"), run("r7", RunKind::Block, "g3")] {
        insert_leased(&conn, &new, None, None, &[]).expect("a new run");
    }
    assert_eq!(counts(&conn), rows(&[("g1", 3), ("g2", 1), ("g3", 1)]), "new graph runs count, block runs do not");
    let triggers: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'", [], |row| row.get(0))
        .expect("the schema");
    assert_eq!(triggers, 0, "inserting a run fires no trigger");
    let index: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'runs_of_graphs'", [], |row| row.get(0))
        .expect("the schema");
    assert_eq!(index, 0, "nothing counts runs through the old index");
}
