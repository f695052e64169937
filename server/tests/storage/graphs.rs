//! Graphs and their versions.

use block_core::graph::Graph;
use block_server::domain::{GraphVersion, MissedFires, Schedule, ScheduleTarget};
use block_server::storage::ActiveVersionChange;
use serde_json::json;

use crate::backends::Db;
use crate::fixtures::user;

fn version(name: &str, at: i64) -> GraphVersion {
    GraphVersion {
        name: name.to_owned(),
        description: format!("{name}, described"),
        graph: Graph::new(name),
        saved_at: at,
    }
}

pub async fn graph_versions_from_two_processes_get_consecutive_numbers(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let bob = user(storage, "bob", 0).await;
    let first = storage.create_graph(&ada.id, "g1", version("first", 10)).await.expect("created");
    assert_eq!((first.version, first.active_version, first.latest_version, first.graph.is_active), (1, 1, 1, true));
    let again = storage.create_graph(&ada.id, "g1", version("again", 11)).await.expect_err("an id is unique");
    assert_eq!(again.kind(), block_server::storage::StorageErrorKind::Constraint);
    let other = db.again().await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..8 {
        let storage = if n % 2 == 0 { db.storage.clone() } else { other.clone() };
        let user_id = ada.id.clone();
        tasks.spawn(async move { storage.add_graph_version(&user_id, "g1", version("next", 20 + n), false).await });
    }
    let mut numbers = Vec::new();
    while let Some(added) = tasks.join_next().await {
        numbers.push(added.expect("the task").expect("added").expect("the graph").version);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (2..=9).collect::<Vec<u32>>(), "each save got its own number");
    assert!(storage.add_graph_version(&bob.id, "g1", version("x", 1), true).await.expect("answered").is_none());
    assert_eq!(storage.set_active_version(&ada.id, "g1", 5).await.expect("set"), ActiveVersionChange::Set);
    assert_eq!(storage.set_active_version(&ada.id, "g1", 50).await.expect("answered"), ActiveVersionChange::NoVersion);
    assert_eq!(storage.set_active_version(&bob.id, "g1", 5).await.expect("answered"), ActiveVersionChange::NoGraph);
    let active = storage.graph(&ada.id, "g1", None).await.expect("read").expect("found");
    assert_eq!((active.version, active.latest_version, active.graph.is_active), (5, 9, true));
    assert_eq!(storage.graph_by_id("g1", Some(1)).await.expect("read").expect("found").name, "first");
    assert!(storage.graph(&bob.id, "g1", None).await.expect("read").is_none(), "not bob's");
    let versions: Vec<u32> =
        storage.graph_versions(&ada.id, "g1").await.expect("read").iter().map(|g| g.version).collect();
    assert_eq!(versions, (1..=9).rev().collect::<Vec<u32>>());
    assert_eq!(storage.graphs(&ada.id).await.expect("listed").len(), 1);

    let schedule = Schedule {
        id: "s1".to_owned(),
        user_id: ada.id.clone(),
        name: "nightly".to_owned(),
        target: ScheduleTarget::Graph { graph_id: "g1".to_owned(), graph_version: Some(3) },
        input: json!({}),
        cron: "0 3 * * *".to_owned(),
        timezone: "UTC".to_owned(),
        missed: MissedFires::Skip,
        next_fire_at: Some(1000),
        created_at: 1,
        last_fired_at: None,
        last_run_id: None,
        last_error: None,
    };
    storage.create_schedule(schedule.clone()).await.expect("created");
    assert_eq!(
        storage.schedule(&ada.id, "s1").await.expect("read"),
        Some(schedule),
        "a graph target keeps its version"
    );
    assert!(storage.delete_graph(&ada.id, "g1").await.expect("deleted"));
    assert!(storage.graph_by_id("g1", None).await.expect("read").is_none());
    assert!(!storage.delete_graph(&ada.id, "g1").await.expect("answered"));
}
