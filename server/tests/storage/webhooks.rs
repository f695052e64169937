//! Webhooks, subscriptions and deliveries.

use block_core::webhooks::{Subscription, WebhookKind};
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
