//! Webhooks (secrets sealed) and trigger subscriptions.

use block_core::Value;
use block_core::webhooks::{Subscription, WebhookKind};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::{Cached, SqliteStorage, corrupt};
use crate::domain::{Run, WebhookRow, now_unix};
use crate::storage::webhooks::{target_columns, target_of};
use crate::storage::{StorageError, WebhookRows};

/// The columns [`webhook_row`] reads, in its order.
macro_rules! webhook_columns {
    () => {
        "id, provider, owner, kind, resource, events, credentials_id, remote_id, sealed_secret"
    };
}

/// The columns [`subscription_row`] reads, in its order.
macro_rules! subscription_columns {
    () => {
        "id, webhook_id, owner, block_id, events, input, graph_id, graph_version, graph_node_id, graph_inputs"
    };
}

/// Events sorted and deduplicated, so equal sets are stored equally.
fn events_json(events: &[String]) -> String {
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    serde_json::to_string(&events).unwrap_or_else(|_| "[]".to_owned())
}

fn parse_events(index: usize, text: &str) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(text).map_err(|error| corrupt(index, format!("events are not a JSON list: {error}")))
}

fn kind_name(kind: WebhookKind) -> &'static str {
    match kind {
        WebhookKind::Manual => "manual",
        WebhookKind::Auto => "auto",
    }
}

fn webhook_row(row: &Row<'_>) -> rusqlite::Result<WebhookRow> {
    let kind: String = row.get(3)?;
    let events: String = row.get(5)?;
    Ok(WebhookRow {
        id: row.get(0)?,
        provider: row.get(1)?,
        owner: row.get(2)?,
        kind: match kind.as_str() {
            "manual" => WebhookKind::Manual,
            "auto" => WebhookKind::Auto,
            other => return Err(corrupt(3, format!("unknown webhook kind `{other}`"))),
        },
        resource: row.get(4)?,
        events: parse_events(5, &events)?,
        credentials_id: row.get(6)?,
        remote_id: row.get(7)?,
        sealed_secret: row.get(8)?,
    })
}

fn webhook(conn: &Connection, id: &str) -> rusqlite::Result<Option<WebhookRow>> {
    conn.query_row_cached(concat!("SELECT ", webhook_columns!(), " FROM webhooks WHERE id = ?1"), [id], webhook_row)
        .optional()
}

fn find_reusable(conn: &Connection, like: &WebhookRow) -> rusqlite::Result<Option<WebhookRow>> {
    conn.query_row_cached(
        concat!(
            "SELECT ",
            webhook_columns!(),
            " FROM webhooks WHERE provider = ?1 AND owner = ?2 AND resource = ?3
             AND credentials_id IS ?4 AND kind = ?5 AND events = ?6 ORDER BY created_at LIMIT 1"
        ),
        params![
            like.provider,
            like.owner,
            like.resource,
            like.credentials_id,
            kind_name(like.kind),
            events_json(&like.events)
        ],
        webhook_row,
    )
    .optional()
}

fn webhooks_on(conn: &Connection, provider: &str, resource: &str) -> rusqlite::Result<Vec<WebhookRow>> {
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        webhook_columns!(),
        " FROM webhooks WHERE provider = ?1 AND resource = ?2 ORDER BY created_at, id"
    ))?;
    statement.query_map([provider, resource], webhook_row)?.collect()
}

fn webhooks_of(conn: &Connection, owner: &str) -> rusqlite::Result<Vec<WebhookRow>> {
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        webhook_columns!(),
        " FROM webhooks WHERE owner = ?1 ORDER BY created_at, id"
    ))?;
    statement.query_map([owner], webhook_row)?.collect()
}

fn put_webhook(conn: &Connection, webhook: &WebhookRow) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT INTO webhooks (id, provider, owner, kind, resource, events, credentials_id, remote_id, sealed_secret,
                               created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, owner = excluded.owner, kind = excluded.kind,
             resource = excluded.resource, events = excluded.events, credentials_id = excluded.credentials_id,
             remote_id = excluded.remote_id, sealed_secret = excluded.sealed_secret",
        params![
            webhook.id,
            webhook.provider,
            webhook.owner,
            kind_name(webhook.kind),
            webhook.resource,
            events_json(&webhook.events),
            webhook.credentials_id,
            webhook.remote_id,
            webhook.sealed_secret,
            now_unix()
        ],
    )?;
    Ok(())
}

fn delete_webhook(conn: &mut Connection, id: &str) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_cached("DELETE FROM webhook_subscriptions WHERE webhook_id = ?1", [id])?;
    tx.execute_cached("DELETE FROM webhooks WHERE id = ?1", [id])?;
    tx.commit()
}

fn subscription_row(row: &Row<'_>) -> rusqlite::Result<Subscription> {
    let events: String = row.get(4)?;
    let input: String = row.get(5)?;
    Ok(Subscription {
        id: row.get(0)?,
        webhook_id: row.get(1)?,
        owner: row.get(2)?,
        block_id: row.get(3)?,
        events: parse_events(4, &events)?,
        input: serde_json::from_str::<Value>(&input)
            .map_err(|error| corrupt(5, format!("a subscription's input is not JSON: {error}")))?,
        graph: target_of((row.get(6)?, row.get(7)?, row.get(8)?, row.get(9)?)).map_err(|error| corrupt(6, error))?,
    })
}

fn subscriptions_on(conn: &Connection, webhook_id: &str) -> rusqlite::Result<Vec<Subscription>> {
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        subscription_columns!(),
        " FROM webhook_subscriptions WHERE webhook_id = ?1 ORDER BY id"
    ))?;
    statement.query_map([webhook_id], subscription_row)?.collect()
}

fn subscriptions_of(conn: &Connection, owner: &str) -> rusqlite::Result<Vec<Subscription>> {
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        subscription_columns!(),
        " FROM webhook_subscriptions WHERE owner = ?1 ORDER BY id"
    ))?;
    statement.query_map([owner], subscription_row)?.collect()
}

fn put_subscription(conn: &Connection, subscription: &Subscription) -> rusqlite::Result<()> {
    let (graph_id, graph_version, graph_node_id, graph_inputs) = target_columns(subscription.graph.as_ref());
    conn.execute_cached(
        "INSERT INTO webhook_subscriptions (id, webhook_id, owner, block_id, events, input, created_at, graph_id,
                                            graph_version, graph_node_id, graph_inputs)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET webhook_id = excluded.webhook_id, owner = excluded.owner,
             block_id = excluded.block_id, events = excluded.events, input = excluded.input,
             graph_id = excluded.graph_id, graph_version = excluded.graph_version,
             graph_node_id = excluded.graph_node_id, graph_inputs = excluded.graph_inputs",
        params![
            subscription.id,
            subscription.webhook_id,
            subscription.owner,
            subscription.block_id,
            events_json(&subscription.events),
            subscription.input.to_string(),
            now_unix(),
            graph_id,
            graph_version,
            graph_node_id,
            graph_inputs
        ],
    )?;
    Ok(())
}

fn delete_subscription(conn: &mut Connection, owner: &str, id: &str) -> rusqlite::Result<Option<Subscription>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = tx
        .query_row_cached(
            concat!("SELECT ", subscription_columns!(), " FROM webhook_subscriptions WHERE id = ?1 AND owner = ?2"),
            params![id, owner],
            subscription_row,
        )
        .optional()?;
    if found.is_some() {
        tx.execute_cached("DELETE FROM webhook_subscriptions WHERE id = ?1 AND owner = ?2", params![id, owner])?;
    }
    tx.commit()?;
    Ok(found)
}

fn record_delivery(
    conn: &mut Connection,
    webhook_id: &str,
    delivery_id: &str,
    event: &str,
    runs: &[Run],
    at: i64,
) -> rusqlite::Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let new = tx.execute_cached(
        "INSERT OR IGNORE INTO webhook_deliveries (webhook_id, delivery_id, event, runs, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![webhook_id, delivery_id, event, runs.len(), at],
    )? == 1;
    if new {
        for run in runs {
            super::runs::insert_queued(&tx, run)?;
        }
    }
    tx.commit()?;
    Ok(new)
}

#[async_trait::async_trait]
impl WebhookRows for SqliteStorage {
    async fn record_delivery(
        &self,
        webhook_id: &str,
        delivery_id: &str,
        event: &str,
        runs: Vec<Run>,
        at: i64,
    ) -> Result<bool, StorageError> {
        let (webhook_id, delivery_id, event) = (webhook_id.to_owned(), delivery_id.to_owned(), event.to_owned());
        self.write(move |conn| record_delivery(conn, &webhook_id, &delivery_id, &event, &runs, at)).await
    }

    async fn webhook(&self, id: &str) -> Result<Option<WebhookRow>, StorageError> {
        let id = id.to_owned();
        self.read(move |conn| webhook(conn, &id)).await
    }

    async fn find_reusable_webhook(&self, like: &WebhookRow) -> Result<Option<WebhookRow>, StorageError> {
        let like = like.clone();
        self.read(move |conn| find_reusable(conn, &like)).await
    }

    async fn webhooks_on(&self, provider: &str, resource: &str) -> Result<Vec<WebhookRow>, StorageError> {
        let (provider, resource) = (provider.to_owned(), resource.to_owned());
        self.read(move |conn| webhooks_on(conn, &provider, &resource)).await
    }

    async fn webhooks_of(&self, owner: &str) -> Result<Vec<WebhookRow>, StorageError> {
        let owner = owner.to_owned();
        self.read(move |conn| webhooks_of(conn, &owner)).await
    }

    async fn put_webhook(&self, webhook: WebhookRow) -> Result<(), StorageError> {
        self.write(move |conn| put_webhook(conn, &webhook)).await
    }

    async fn delete_webhook(&self, id: &str) -> Result<(), StorageError> {
        let id = id.to_owned();
        self.write(move |conn| delete_webhook(conn, &id)).await
    }

    async fn subscriptions(&self, webhook_id: &str) -> Result<Vec<Subscription>, StorageError> {
        let webhook_id = webhook_id.to_owned();
        self.read(move |conn| subscriptions_on(conn, &webhook_id)).await
    }

    async fn subscriptions_of(&self, owner: &str) -> Result<Vec<Subscription>, StorageError> {
        let owner = owner.to_owned();
        self.read(move |conn| subscriptions_of(conn, &owner)).await
    }

    async fn put_subscription(&self, subscription: Subscription) -> Result<(), StorageError> {
        self.write(move |conn| put_subscription(conn, &subscription)).await
    }

    async fn delete_subscription(&self, owner: &str, id: &str) -> Result<Option<Subscription>, StorageError> {
        let (owner, id) = (owner.to_owned(), id.to_owned());
        self.write(move |conn| delete_subscription(conn, &owner, &id)).await
    }
}
