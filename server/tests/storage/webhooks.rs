//! Webhooks, subscriptions and deliveries.

use block_core::webhooks::{GraphTarget, Subscription, WebhookKind};
use block_server::domain::{RunStatus, WebhookRow};
use serde_json::json;

use crate::backends::Db;
use crate::fixtures::{run, runs_of, user};

fn webhook(id: &str, owner: &str, credentials_id: Option<&str>, events: &[&str]) -> WebhookRow {
    WebhookRow {
        id: id.to_owned(),
        provider: "github".to_owned(),
        owner: owner.to_owned(),
        kind: WebhookKind::Auto,
        resource: "octo/repo".to_owned(),
        events: events.iter().map(|event| (*event).to_owned()).collect(),
        credentials_id: credentials_id.map(str::to_owned),
        remote_id: Some("remote-1".to_owned()),
        sealed_secret: b"\x01sealed-secret".to_vec(),
    }
}

pub async fn a_redelivery_seen_by_any_process_queues_nothing(db: &Db) {
    let ada = user(db.storage.as_ref(), "ada", 0).await;
    let other = db.again().await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..6 {
        let storage = if n % 2 == 0 { db.storage.clone() } else { other.clone() };
        // Every process builds its own trigger runs for the same delivery.
        let runs = vec![run(100 + n, &ada, RunStatus::Queued)];
        tasks.spawn(async move { storage.record_delivery("wh1", "delivery-1", "push", runs, 1000).await });
    }
    let mut new = 0;
    while let Some(taken) = tasks.join_next().await {
        new += usize::from(taken.expect("the task").expect("answered"));
    }
    assert_eq!(new, 1, "one process took the delivery");
    assert_eq!(runs_of(db.storage.as_ref(), &ada.id).await.len(), 1, "its runs were queued once");
    let another = db.storage.record_delivery("wh1", "delivery-2", "push", Vec::new(), 1001).await;
    assert!(another.expect("answered"), "another delivery is new");
}

pub async fn webhooks_and_subscriptions_round_trip(db: &Db) {
    let storage = db.storage.as_ref();
    storage.put_webhook(webhook("wh1", "ada", None, &["push", "issues", "push"])).await.expect("stored");
    storage.put_webhook(webhook("wh2", "ada", Some("cred-1"), &["push"])).await.expect("stored");
    let found = storage.webhook("wh1").await.expect("read").expect("found");
    assert_eq!(found.events, ["issues", "push"], "sorted, deduplicated");
    assert_eq!(found.sealed_secret, b"\x01sealed-secret");
    let reusable = storage.find_reusable_webhook(&webhook("x", "ada", None, &["push", "issues"])).await.expect("read");
    assert_eq!(reusable.map(|row| row.id), Some("wh1".to_owned()), "no credentials matches no credentials");
    let with_credentials = webhook("x", "ada", Some("cred-1"), &["push"]);
    assert_eq!(
        storage.find_reusable_webhook(&with_credentials).await.expect("read").map(|row| row.id),
        Some("wh2".to_owned())
    );
    assert!(storage.find_reusable_webhook(&webhook("x", "bob", None, &["push"])).await.expect("read").is_none());
    assert_eq!(storage.webhooks_on("github", "octo/repo").await.expect("read").len(), 2);
    assert_eq!(storage.webhooks_of("ada").await.expect("read").len(), 2);
    let mut replaced = webhook("wh1", "ada", None, &["push"]);
    replaced.remote_id = None;
    storage.put_webhook(replaced).await.expect("replaced");
    assert_eq!(storage.webhook("wh1").await.expect("read").expect("found").remote_id, None);

    let subscription = |id: &str, webhook_id: &str| Subscription {
        id: id.to_owned(),
        webhook_id: webhook_id.to_owned(),
        owner: "ada".to_owned(),
        block_id: "trigger-block".to_owned(),
        events: vec!["push".to_owned()],
        input: json!({"branch": "main"}),
        graph: None,
    };
    storage.put_subscription(subscription("s1", "wh1")).await.expect("stored");
    storage.put_subscription(subscription("s2", "wh2")).await.expect("stored");
    assert_eq!(storage.subscriptions("wh1").await.expect("read"), [subscription("s1", "wh1")]);
    assert_eq!(storage.subscriptions_of("ada").await.expect("read").len(), 2);
    assert_eq!(storage.delete_subscription("bob", "s1").await.expect("answered"), None, "not bob's");
    assert_eq!(storage.delete_subscription("ada", "s1").await.expect("deleted"), Some(subscription("s1", "wh1")));
    storage.delete_webhook("wh2").await.expect("deleted");
    assert!(storage.webhook("wh2").await.expect("read").is_none());
    assert!(storage.subscriptions_of("ada").await.expect("read").is_empty(), "its subscriptions went with it");
}

pub async fn a_graph_subscription_keeps_its_graph_target(db: &Db) {
    let storage = db.storage.as_ref();
    storage.put_webhook(webhook("wh1", "ada", Some("cred-1"), &["pull_request.opened"])).await.expect("stored");
    let target = GraphTarget {
        graph_id: "graph-1".to_owned(),
        graph_version: 3,
        node_id: "trigger".to_owned(),
        node_input: json!({"greeting": "hi", "token": {"$sealed": "AAAA"}}).as_object().cloned().expect("an object"),
        credentials_inputs: json!({"github_api_key_credentials": {"id": "cred-1", "provider": "github"}})
            .as_object()
            .cloned()
            .expect("an object"),
    };
    let graph_trigger = Subscription {
        id: "s1".to_owned(),
        webhook_id: "wh1".to_owned(),
        owner: "ada".to_owned(),
        block_id: "trigger-block".to_owned(),
        events: vec!["pull_request.opened".to_owned()],
        input: json!({"repo": "octo/repo", "events": {"opened": true}}),
        graph: Some(target.clone()),
    };
    let block_trigger = Subscription { id: "s2".to_owned(), graph: None, ..graph_trigger.clone() };
    storage.put_subscription(graph_trigger.clone()).await.expect("stored");
    storage.put_subscription(block_trigger.clone()).await.expect("stored");
    assert_eq!(storage.subscriptions("wh1").await.expect("read"), [graph_trigger.clone(), block_trigger.clone()]);
    assert_eq!(storage.subscriptions_of("ada").await.expect("read")[0].graph, Some(target.clone()));

    // Replacing a subscription replaces its target too, either way.
    let moved = GraphTarget { graph_version: 4, ..target };
    let retargeted = Subscription { graph: Some(moved), ..block_trigger.clone() };
    storage.put_subscription(retargeted.clone()).await.expect("replaced");
    let untargeted = Subscription { graph: None, ..graph_trigger };
    storage.put_subscription(untargeted.clone()).await.expect("replaced");
    assert_eq!(storage.subscriptions("wh1").await.expect("read"), [untargeted, retargeted.clone()]);
    assert_eq!(storage.delete_subscription("ada", "s2").await.expect("deleted"), Some(retargeted), "read back whole");
}
