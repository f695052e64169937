//! The run counts of migration 4 on a database of version 3: backfilled from
//! the runs kept, then kept by the trigger. Needs `BLOCKS_TEST_DATABASE_URL`
//! (as the storage suite does); without it, says so and passes.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use super::{MIGRATIONS, migrate};

/// Runs `sql` on the administrative database at `admin`.
async fn admin(admin: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(admin, NoTls).await.expect("the test database server answers");
    let driver = tokio::spawn(connection);
    client.batch_execute(sql).await.expect("the administrative statement runs");
    drop(client);
    let _ = driver.await;
}

async fn counts(client: &deadpool_postgres::Client) -> Vec<(String, i64)> {
    let rows = client.query("SELECT graph_id, runs FROM graph_run_counts ORDER BY graph_id", &[]).await.expect("read");
    rows.iter().map(|row| (row.get(0), row.get(1))).collect()
}

fn rows(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    pairs.iter().map(|(graph, runs)| ((*graph).to_owned(), *runs)).collect()
}

#[tokio::test]
async fn graph_run_counts_are_backfilled_then_kept_by_the_trigger() {
    let Some(url) = std::env::var("BLOCKS_TEST_DATABASE_URL").ok().filter(|url| !url.trim().is_empty()) else {
        eprintln!("SKIPPED: BLOCKS_TEST_DATABASE_URL is not set");
        return;
    };
    let name = format!("blocks_migration_test_{}", std::process::id());
    admin(&url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    admin(&url, &format!("CREATE DATABASE {name}")).await;
    let mut config: tokio_postgres::Config = url.parse().expect("a database URL");
    config.dbname(&name);
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    let pool = Pool::builder(manager).max_size(1).build().expect("a pool");
    let mut client = pool.get().await.expect("a connection");
    client
        .batch_execute("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .await
        .expect("the version table");
    for (index, sql) in MIGRATIONS.iter().enumerate().take(3) {
        client.batch_execute(sql).await.expect("an old migration applies");
        let version = i64::try_from(index + 1).expect("small");
        client.execute("INSERT INTO schema_migrations VALUES ($1, 0)", &[&version]).await.expect("recorded");
    }
    let insert = "INSERT INTO runs (id, kind, user_id, block_id, source, status, input, outputs, truncated, charged,
                                    created_at)
                  VALUES ($1, $2, 'u', $3, 'api', 'completed', '{}', '{}', '[]', 0, 1)";
    for (id, kind, graph) in
        [("r1", "graph", "g1"), ("r2", "graph", "g1"), ("r3", "graph", "g2"), ("r4", "graph node", "g1")]
    {
        client.execute(insert, &[&id, &kind, &graph]).await.expect("an old run");
    }
    migrate(&mut client).await.expect("the new migrations apply");
    assert_eq!(counts(&client).await, rows(&[("g1", 2), ("g2", 1)]), "graph runs only, from the runs kept");

    client.execute(insert, &[&"r5", &"graph", &"g1"]).await.expect("a new run");
    client.execute(insert, &[&"r6", &"graph", &"g3"]).await.expect("a run of a new graph");
    client.execute(insert, &[&"r7", &"block", &"g3"]).await.expect("a block run");
    assert_eq!(counts(&client).await, rows(&[("g1", 3), ("g2", 1), ("g3", 1)]));
    client.execute("DELETE FROM runs WHERE id IN ('r1', 'r7')", &[]).await.expect("deleted");
    client.execute("UPDATE runs SET block_id = 'g3' WHERE id = 'r3'", &[]).await.expect("moved");
    client.execute("UPDATE runs SET kind = 'graph' WHERE id = 'r4'", &[]).await.expect("now a graph run");
    assert_eq!(counts(&client).await, rows(&[("g1", 3), ("g2", 0), ("g3", 2)]));
    let index = client.query_one("SELECT to_regclass('runs_of_graphs') IS NULL", &[]).await.expect("the schema");
    assert!(index.get::<_, bool>(0), "nothing counts runs through the old index");
    drop(client);
    drop(pool);
    admin(&url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
}
